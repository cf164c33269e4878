package io.aijobs.costs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The aggregator's Micrometer meters. Tenant tags are bounded: the first {@code tenantTagLimit} tenants seen get
 * their own tag, later ones share {@value #OTHER_TENANT}, so 10,000 tenants cannot explode a metrics backend.
 */
final class AggregatorMetrics {

    static final String OTHER_TENANT = "other";

    private final MeterRegistry registry;
    private final int tenantTagLimit;
    private final Set<String> taggedTenants = ConcurrentHashMap.newKeySet();

    AggregatorMetrics(MeterRegistry registry, int tenantTagLimit) {
        this.registry = registry;
        this.tenantTagLimit = tenantTagLimit;
    }

    String tenantTag(String tenant) {
        if (taggedTenants.contains(tenant)) {
            return tenant;
        }
        if (taggedTenants.size() < tenantTagLimit) {
            taggedTenants.add(tenant);
            return tenant;
        }
        return OTHER_TENANT;
    }

    /** One usage record counted, with the exact cost it added (nano-units) and whether it produced a result. */
    void usage(String tenant, long costNanos, boolean retryCost) {
        String tag = tenantTag(tenant);
        Counter.builder("aijobs.usage.records").description("Usage records (model-call attempts) aggregated")
                .tag("tenant", tag).register(registry).increment();
        Counter.builder("aijobs.usage.cost").description("Cost aggregated, in nano-units of currency").baseUnit("nanos")
                .tag("tenant", tag).tag("kind", retryCost ? "retry" : "result").register(registry).increment(costNanos);
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
