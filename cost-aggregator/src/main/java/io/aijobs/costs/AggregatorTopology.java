package io.aijobs.costs;

import io.aijobs.application.PricesGlobalStore;
import io.aijobs.application.TenantPoliciesGlobalStore;
import io.aijobs.application.StreamsTopics;
import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicNames;
import io.aijobs.contracts.Topics;
import io.aijobs.pricing.PriceBook;
import io.aijobs.schema.Alert;
import io.aijobs.schema.TenantPolicy;
import io.aijobs.schema.TenantSpend;
import io.aijobs.schema.UsageAggregate;
import io.aijobs.schema.state.UsageWindowState;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The cost aggregator's topology, a pure function of its settings:
 *
 * <pre>
 * platform.usage (key tenantId) ─ usage-aggregator (stores usage-windows, sent-alerts; spend is derived from the windows)
 *     ├─ aggregates-sink    → platform.usage-aggregates (compacted)
 *     ├─ spend-sink         → platform.tenant-spend (compacted; the processor reads it)
 *     ├─ alerts-sink        → platform.alerts
 *     └─ tenant-alerts-sink → tenant.&lt;t&gt;.alerts
 * platform.prices ─ global store prices ─ the price book
 * platform.tenant-policies ─ global store tenant-policies ─ budgets (ahead of the configured ones)
 * </pre>
 *
 * Usage records are keyed by tenant, so one tenant's records are in one task: no repartitioning.
 */
public final class AggregatorTopology {

    public static final String USAGE_SOURCE = "usage-source";
    public static final String AGGREGATOR = "usage-aggregator";
    /** Roll-up format (each usage record in its shortest window only); v1, six windows per record, is not read. */
    public static final String WINDOWS_STORE = "usage-windows-v2";
    public static final String SENT_ALERTS_STORE = "sent-alerts";
    public static final String AGGREGATES_SINK = "aggregates-sink";
    public static final String SPEND_SINK = "spend-sink";
    public static final String ALERTS_SINK = "alerts-sink";
    public static final String TENANT_ALERTS_SINK = "tenant-alerts-sink";

    private AggregatorTopology() {
    }

    public static Topology build(AggregatorSettings settings, Topics topics, PriceBook prices) {
        return build(settings, topics, prices, new AggregatorMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), 100));
    }

    static Topology build(AggregatorSettings settings, Topics topics, PriceBook prices, AggregatorMetrics metrics) {
        TopicNames names = topics.names();
        Topology topology = new Topology();
        PricesGlobalStore.addTo(topology, topics.prices(), prices);
        // the budgets of the tenants' policies; a global store, so every instance knows every tenant's
        TenantPoliciesGlobalStore.Policies policies = TenantPoliciesGlobalStore.addTo(topology, topics.tenantPolicies());
        StreamsTopics.addSource(topology, USAGE_SOURCE, topics.usage());
        topology.addProcessor(AGGREGATOR, new ProcessorSupplier<String, io.aijobs.schema.ModelCallUsage, String, Object>() {
            @Override
            public Processor<String, io.aijobs.schema.ModelCallUsage, String, Object> get() {
                return new UsageAggregator(settings, prices, names, metrics, tenant -> {
                    TenantPolicy policy = policies.get(tenant);
                    return policy == null ? null : policy.getMonthlyBudgetNanos();
                }, policies::version);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(
                        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(WINDOWS_STORE), Serdes.String(),
                                new io.aijobs.serde.SingleObjectSerde<>(UsageWindowState.getEncoder(), UsageWindowState.getDecoder(),
                                        "usage window")).withCachingEnabled(),
                        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SENT_ALERTS_STORE), Serdes.String(), Serdes.Long()));
            }
        }, USAGE_SOURCE);
        StreamsTopics.addSink(topology, AGGREGATES_SINK, topics.usageAggregates(), UsageAggregate.class, AGGREGATOR);
        StreamsTopics.addSink(topology, SPEND_SINK, topics.tenantSpend(), TenantSpend.class, AGGREGATOR);
        StreamsTopics.addSink(topology, ALERTS_SINK, topics.alerts(), Alert.class, AGGREGATOR);
        StreamsTopics.addSink(topology, TENANT_ALERTS_SINK, topics.alertsOfTenants(), Alert.class,
                alert -> TenantId.of(alert.getTenantId()), AGGREGATOR);
        return topology;
    }
}
