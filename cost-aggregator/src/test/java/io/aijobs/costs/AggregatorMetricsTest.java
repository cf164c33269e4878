package io.aijobs.costs;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class AggregatorMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AggregatorMetrics metrics = new AggregatorMetrics(registry, 2);

    @Test
    void shouldCountCostPerTenantModelAndKindWithBoundedTenantAndModelTags() {
        metrics.usage("acme", "gpt-4o-mini", 1_500, false);
        metrics.usage("acme", "gpt-4o-mini", 500, true);
        for (int i = 0; i < AggregatorMetrics.MODEL_TAG_LIMIT + 5; i++) {
            metrics.usage("globex", "model-" + i, 1, false);
        }
        metrics.usage("initech", "gpt-4o-mini", 7, false);

        assertThat(registry.get("aijobs.usage.cost").tags("tenant", "acme", "model", "gpt-4o-mini", "kind", "result").counter().count())
                .isEqualTo(1_500);
        assertThat(registry.get("aijobs.usage.cost").tags("tenant", "acme", "model", "gpt-4o-mini", "kind", "retry").counter().count())
                .isEqualTo(500);
        // gpt-4o-mini took one of the model tags: 99 more models have their own, the other 6 share "other"
        assertThat(registry.get("aijobs.usage.cost").tags("tenant", "globex", "model", AggregatorMetrics.OTHER_MODEL).counter().count())
                .isEqualTo(6);
        // the tag limit is 2: a third tenant is counted under "other"
        assertThat(registry.get("aijobs.usage.cost").tags("tenant", AggregatorMetrics.OTHER_TENANT, "model", "gpt-4o-mini").counter().count())
                .isEqualTo(7);
    }

    @Test
    void shouldCountWhatEachLeverSavedPerTenantAndModelAndNoSeriesForRecordsThatSavedNothing() {
        metrics.saved("acme", "gpt-4o-mini", AggregatorMetrics.PROMPT_CACHE, 700);
        metrics.saved("acme", "gpt-4o-mini", AggregatorMetrics.PROMPT_CACHE, 300);
        metrics.saved("acme", "gpt-4o-mini", AggregatorMetrics.RESPONSE_CACHE, 2_000);
        metrics.saved("acme", "other-model", AggregatorMetrics.PROMPT_CACHE, 0);

        assertThat(registry.get("aijobs.usage.saved").tags("tenant", "acme", "model", "gpt-4o-mini", "lever", "prompt_cache").counter()
                .count()).isEqualTo(1_000);
        assertThat(registry.get("aijobs.usage.saved").tags("tenant", "acme", "model", "gpt-4o-mini", "lever", "response_cache").counter()
                .count()).isEqualTo(2_000);
        assertThat(registry.find("aijobs.usage.saved").tags("model", "other-model").counter()).isNull();
    }

    @Test
    void shouldGaugeTheCurrentPeriodsSpendAndTheBudgetOfEachTaggedTenant() {
        String now = WindowSpec.period(System.currentTimeMillis());
        String earlier = WindowSpec.period(System.currentTimeMillis() - java.time.Duration.ofDays(40).toMillis());
        metrics.spend("acme", now, 4_000, 10_000L);
        metrics.spend("acme", earlier, 9_999, 10_000L);
        metrics.spend("globex", earlier, 7, null);
        metrics.spend("initech", now, 5, 10L);

        assertThat(registry.get("aijobs.tenant.spend").tag("tenant", "acme").gauge().value()).as("a late update of an earlier month")
                .isEqualTo(4_000);
        assertThat(registry.get("aijobs.tenant.budget").tag("tenant", "acme").gauge().value()).isEqualTo(10_000);
        assertThat(registry.get("aijobs.tenant.spend").tag("tenant", "globex").gauge().value()).as("nothing spent this month yet")
                .isZero();
        assertThat(registry.get("aijobs.tenant.budget").tag("tenant", "globex").gauge().value()).as("no budget").isZero();
        assertThat(registry.find("aijobs.tenant.spend").tag("tenant", AggregatorMetrics.OTHER_TENANT).gauge())
                .as("a tenant past the tag limit (2) gets no gauge").isNull();
    }
}
