package io.aijobs.costs;

import io.aijobs.application.BoundedTags;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The aggregator's Micrometer meters. Tenant tags are bounded: the first {@code tenantTagLimit} tenants seen get
 * their own tag, later ones share {@value #OTHER_TENANT}, so 10,000 tenants cannot explode a metrics backend; model
 * tags likewise, the first {@value #MODEL_TAG_LIMIT} models (a job names its model) ({@link BoundedTags}).
 */
final class AggregatorMetrics {

    /** The lever of the model service's prompt cache: cached input tokens billed at the cached input price. */
    static final String PROMPT_CACHE = "prompt_cache";
    /** The lever of the tenants' response caches: jobs answered with no call. */
    static final String RESPONSE_CACHE = "response_cache";
    /** Lever: the provider's batch prices, against the same calls made on their own. */
    static final String BATCH = "batch";

    static final String OTHER_TENANT = BoundedTags.OTHER;
    static final String OTHER_MODEL = BoundedTags.OTHER;
    static final int MODEL_TAG_LIMIT = 100;

    private final MeterRegistry registry;
    private final BoundedTags tenants;
    private final BoundedTags models = new BoundedTags(MODEL_TAG_LIMIT);
    /** Per tenant tag: the period of the spend and budget last published, and their values. */
    private final Map<String, Spend> spend = new ConcurrentHashMap<>();

    /** A tenant's spend and budget in one billing period, as the gauges read them. */
    private static final class Spend {
        volatile String period;
        final AtomicLong spentNanos = new AtomicLong();
        final AtomicLong budgetNanos = new AtomicLong();

        synchronized double currentPeriodSpend() {
            return WindowSpec.period(System.currentTimeMillis()).equals(period) ? spentNanos.get() : 0;
        }
    }

    AggregatorMetrics(MeterRegistry registry, int tenantTagLimit) {
        this.registry = registry;
        this.tenants = new BoundedTags(tenantTagLimit);
    }

    String tenantTag(String tenant) {
        return tenants.tag(tenant);
    }

    String modelTag(String model) {
        return models.tag(model);
    }

    /** One usage record counted, with the exact cost it added (nano-units) and whether it produced a result. */
    void usage(String tenant, String model, long costNanos, boolean retryCost) {
        String tag = tenantTag(tenant);
        Counter.builder("aijobs.usage.records").description("Usage records aggregated: model-call attempts, and cache hits")
                .tag("tenant", tag).register(registry).increment();
        Counter.builder("aijobs.usage.cost").description("Cost aggregated, in nano-units of currency").baseUnit("nanos")
                .tag("tenant", tag).tag("model", modelTag(model)).tag("kind", retryCost ? "retry" : "result").register(registry)
                .increment(costNanos);
    }

    /**
     * What a cost lever saved on one usage record (nano-units), when it saved anything: {@code lever} is
     * {@link #PROMPT_CACHE}, {@link #RESPONSE_CACHE} or {@link #BATCH}.
     */
    void saved(String tenant, String model, String lever, long savedNanos) {
        if (savedNanos > 0) {
            Counter.builder("aijobs.usage.saved").description("What the cost levers saved against the price without them, in "
                    + "nano-units of currency, by lever: prompt_cache (the model service's), response_cache (the tenant's), batch "
                    + "(the provider's batch prices)")
                    .baseUnit("nanos").tag("tenant", tenantTag(tenant)).tag("model", modelTag(model)).tag("lever", lever)
                    .register(registry).increment(savedNanos);
        }
    }

    /**
     * A tenant's spend in a billing period ({@code yyyy-MM}) and its budget, as published on the spend topic. The
     * spend gauge reads the spend of the current period (0 once a new month has begun and nothing was spent in it
     * yet); the budget gauge the budget last published (0: none). Tenants past the tag limit get no gauges: one
     * {@value #OTHER_TENANT} series could not hold their spends.
     */
    void spend(String tenant, String period, long spentNanos, Long budgetNanos) {
        String tag = tenantTag(tenant);
        if (tag.equals(OTHER_TENANT) && !tenant.equals(OTHER_TENANT)) {
            return;
        }
        Spend current = spend.computeIfAbsent(tag, key -> {
            Spend created = new Spend();
            Gauge.builder("aijobs.tenant.spend", created, Spend::currentPeriodSpend).description("Spend of the tenant in the "
                    + "current billing period, in nano-units of currency").baseUnit("nanos").tag("tenant", key).register(registry);
            Gauge.builder("aijobs.tenant.budget", created.budgetNanos, AtomicLong::get).description("Budget of the tenant's "
                    + "billing period, in nano-units of currency; 0 when it has none").baseUnit("nanos").tag("tenant", key)
                    .register(registry);
            return created;
        });
        synchronized (current) {
            if (current.period == null || period.compareTo(current.period) >= 0) {
                current.period = period;
                current.spentNanos.set(spentNanos);
                current.budgetNanos.set(budgetNanos == null ? 0 : budgetNanos);
            }
        }
    }

    void unpriced(String tenant) {
        Counter.builder("aijobs.usage.unpriced").description("Calls with no known price: counted, never read as free")
                .tag("tenant", tenantTag(tenant)).register(registry).increment();
    }

    void late(String tenant) {
        Counter.builder("aijobs.usage.late").description("Usage records later than a window's grace")
                .tag("tenant", tenantTag(tenant)).register(registry).increment();
    }

    void alert(String type) {
        Counter.builder("aijobs.alerts").description("Alerts raised by the cost aggregator").tag("type", type)
                .register(registry).increment();
    }
}
