package io.aijobs.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aijobs.contracts.TopicCatalog.Kind;
import io.aijobs.contracts.TopicCatalog.Party;
import io.aijobs.contracts.TopicCatalog.Spec;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobRetry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicCatalogTest {

    private static final TenantId ACME = TenantId.of("acme");

    @Test
    void shouldStateTheDefaultRetryTiersAlikeInTheListAndTheOptionConstant() {
        assertThat(TopicCatalog.DEFAULT_RETRY_TIERS_VALUE).isEqualTo(String.join(",", TopicCatalog.DEFAULT_RETRY_TIERS));
    }

    @Test
    void shouldNameEveryTopicOfTheDefaultDeployment() {
        TopicCatalog catalog = TopicCatalog.defaults();

        assertThat(catalog.topics(List.of(ACME))).extracting(Spec::name).containsExactly(
                "tenant.acme.jobs", "tenant.acme.results", "tenant.acme.dlt", "tenant.acme.alerts",
                "platform.usage", "platform.job-events", "platform.alerts", "platform.dlt", "platform.prices",
                "platform.usage-aggregates", "platform.tenant-spend", "platform.tenant-policies", "platform.response-cache",
                "platform.retry.rate-limited", "platform.retry.transient");
    }

    @Test
    void shouldTakeConfiguredPrefixesAndRetryTiers() {
        TopicCatalog catalog = new TopicCatalog(new TopicNames("t1.tenant.", "t1.platform."), List.of("slow"), 6, (short) 3);

        assertThat(catalog.platformTopics()).extracting(Spec::name).contains("t1.platform.retry.slow")
                .doesNotContain("t1.platform.retry.transient");
        assertThat(catalog.tenantTopics(ACME)).extracting(Spec::name).first().isEqualTo("t1.tenant.acme.jobs");
        assertThat(catalog.topics(List.of(ACME))).allSatisfy(spec -> {
            assertThat(spec.partitions()).isEqualTo(6);
            assertThat(spec.replicationFactor()).isEqualTo((short) 3);
        });
        assertThat(catalog.valueSchemasByTopic(List.of(ACME))).containsEntry("t1.platform.retry.slow", JobRetry.getClassSchema())
                .containsEntry("t1.tenant.acme.jobs", JobRequest.getClassSchema());
    }

    @Test
    void shouldCompactExactlyTheLatestValueTopics() {
        assertThat(TopicCatalog.defaults().platformTopics()).filteredOn(spec -> spec.kind().compacted()).extracting(Spec::name)
                .containsExactlyInAnyOrder("platform.prices", "platform.usage-aggregates", "platform.tenant-spend", "platform.tenant-policies",
                        "platform.response-cache");
        Spec prices = TopicCatalog.defaults().platformTopic(Kind.PRICES);
        assertThat(prices.newTopic(Map.of("retention.ms", "1")).configs())
                .containsEntry("cleanup.policy", "compact").containsEntry("retention.ms", "1");
        assertThat(TopicCatalog.defaults().platformTopic(Kind.USAGE).configs()).isEmpty();
        assertThat(TopicCatalog.defaults().platformTopic(Kind.RESPONSE_CACHE).configs()).as("compacted, and deleted after 7 days")
                .containsEntry("cleanup.policy", "compact,delete").containsEntry("retention.ms", "604800000");
    }

    @Test
    void shouldLetOnlyTheTenantAndOperatorsWriteJobsAndOnlyTheProcessorWriteResults() {
        TopicCatalog catalog = TopicCatalog.defaults();
        for (Spec spec : catalog.topics(List.of(ACME))) {
            assertThat(spec.writtenBy(Party.TENANT)).as(spec.name()).isEqualTo(spec.kind() == Kind.JOBS);
        }
        assertThat(catalog.tenantTopics(ACME)).filteredOn(spec -> spec.kind() == Kind.RESULTS)
                .allSatisfy(spec -> assertThat(spec.kind().writers()).containsExactly(Party.PROCESSOR));
    }

    @Test
    void shouldRefuseAnInvalidOrMissingRetryTier() {
        assertThatThrownBy(() -> new TopicCatalog(TopicNames.defaults(), List.of("Not Valid"), 3, (short) 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retry tier");
        assertThatThrownBy(() -> new TopicCatalog(TopicNames.defaults(), List.of(), 3, (short) 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
