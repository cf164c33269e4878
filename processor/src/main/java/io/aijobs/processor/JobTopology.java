package io.aijobs.processor;

import io.aijobs.application.PricesGlobalStore;
import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicNames;
import io.aijobs.contracts.Topics;
import io.aijobs.processor.alerts.AlertRules;
import io.aijobs.processor.alerts.AlertTopology;
import io.aijobs.processor.execution.ExecutionDependencies;
import io.aijobs.processor.execution.JobExecutionProcessorSupplier;
import io.aijobs.schema.JobEvent;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.JobRetry;
import io.aijobs.pricing.PriceBook;
import io.aijobs.schema.ModelPrice;
import io.aijobs.schema.TenantSpend;
import io.aijobs.schema.ModelCallUsage;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The processor's topology, a pure function of its dependencies:
 *
 * <pre>
 * jobs-source (pattern tenant.*.jobs, raw bytes)
 *   └─ job-execution (stores job-state, retry-timers)
 *        ├─ results-sink → tenant.&lt;t&gt;.results
 *        ├─ dlt-sink     → tenant.&lt;t&gt;.dlt, or platform.dlt when the tenant is unknown
 *        ├─ retry-sink   → platform.retry.&lt;tier&gt;
 *        ├─ usage-sink   → platform.usage
 *        └─ events-sink  → platform.job-events
 * </pre>
 *
 * and, unless disabled, the failure alerts' sub-topology ({@link AlertTopology}); plus a global store of every
 * tenant's spend ({@code platform.tenant-spend}, written by the cost aggregator) for the budget's hard limit, and one
 * of the prices topic ({@code platform.prices}) so that price changes reach results without a restart.
 *
 * Values are read as bytes so that an undecodable record reaches the dead-letter topic with its original bytes
 * instead of stopping the task. Names of nodes and stores are constants: internal topic names stay stable.
 */
public final class JobTopology {

    public static final String SOURCE = "jobs-source";
    public static final String EXECUTION = "job-execution";
    public static final String STATE_STORE = "job-state";
    public static final String RETRY_TIMERS_STORE = "retry-timers";
    public static final String RETRY_SINK = "retry-sink";
    /** Global store of each tenant's spend in the billing period, from the cost aggregator's tenant-spend topic. */
    public static final String SPEND_STORE = "tenant-spend-global";
    /** Global store of {@code platform.tenant-policies}: the latest {@code TenantPolicy} per tenant. */
    public static final String POLICIES_STORE = "tenant-policies-global";
    public static final String RESULTS_SINK = "results-sink";
    public static final String DLT_SINK = "dlt-sink";
    /** Dead letters of tenants that have no policy (never provisioned, or deleted): their own topics are not to be trusted. */
    public static final String PLATFORM_DLT_SINK = "platform-dlt-sink";
    public static final String USAGE_SINK = "usage-sink";
    public static final String EVENTS_SINK = "events-sink";

    private JobTopology() {
    }

    /** Keeps a global store holding the latest value per key of a compacted topic (spend, tenant policies). */
    static final class LatestValueUpdater<V> implements org.apache.kafka.streams.processor.api.Processor<String, V, Void, Void> {

        private final String storeName;
        private org.apache.kafka.streams.state.KeyValueStore<String, V> store;

        LatestValueUpdater(String storeName) {
            this.storeName = storeName;
        }

        @Override
        public void init(org.apache.kafka.streams.processor.api.ProcessorContext<Void, Void> context) {
            store = context.getStateStore(storeName);
        }

        @Override
        public void process(org.apache.kafka.streams.processor.api.Record<String, V> record) {
            if (record.key() == null) {
                return;
            }
            if (record.value() == null) {
                store.delete(record.key());
            } else {
                store.put(record.key(), record.value());
            }
        }
    }

    public static Topology build(ExecutionDependencies deps, Topics topics) {
        return build(deps, topics, java.util.Optional.empty());
    }

    /** The execution sub-topology, and the failure alerts' when {@code alerts} are given (see {@link AlertTopology}). */
    public static Topology build(ExecutionDependencies deps, Topics topics, java.util.Optional<AlertRules> alerts) {
        TopicNames names = deps.names();
        JobExecutionProcessorSupplier execution = new JobExecutionProcessorSupplier(deps);
        StreamsBuilder builder = new StreamsBuilder();
        alerts.ifPresent(rules -> AlertTopology.addTo(builder, names, topics, rules));
        // the execution part is plain Processor API, added to what the DSL built
        Topology topology = builder.build();
        topology.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(SPEND_STORE), Serdes.String(),
                        topics.tenantSpendSerde()).withLoggingDisabled(),
                "tenant-spend-source", Serdes.String().deserializer(), topics.tenantSpendSerde().deserializer(), names.tenantSpend(),
                "tenant-spend-updater", () -> new LatestValueUpdater<>(SPEND_STORE));
        topology.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(POLICIES_STORE), Serdes.String(),
                        topics.tenantPolicySerde()).withLoggingDisabled(),
                "tenant-policies-source", Serdes.String().deserializer(), topics.tenantPolicySerde().deserializer(),
                names.tenantPolicies(), "tenant-policies-updater", () -> new LatestValueUpdater<>(POLICIES_STORE));
        PricesGlobalStore.addTo(topology, names, topics.modelPriceSerde(), deps.prices().book());
        topology.addSource(SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), names.jobsPattern());
        topology.addProcessor(EXECUTION, execution, SOURCE);
        topology.addSink(RESULTS_SINK,
                (String key, Object value, org.apache.kafka.streams.processor.RecordContext context) ->
                        names.results(TenantId.of(((JobResult) value).getTenantId())),
                Serdes.String().serializer(), (topic, value) -> topics.jobResultSerde().serializer().serialize(topic, (JobResult) value),
                EXECUTION);
        topology.addSink(DLT_SINK,
                (String key, Object value, org.apache.kafka.streams.processor.RecordContext context) ->
                        execution.deadLetterTopic((JobFailure) value),
                Serdes.String().serializer(), (topic, value) -> topics.jobFailureSerde().serializer().serialize(topic, (JobFailure) value),
                EXECUTION);
        topology.addSink(PLATFORM_DLT_SINK, names.platformDeadLetter(), Serdes.String().serializer(),
                (topic, value) -> topics.jobFailureSerde().serializer().serialize(topic, (JobFailure) value), EXECUTION);
        topology.addSink(RETRY_SINK,
                (String key, Object value, org.apache.kafka.streams.processor.RecordContext context) ->
                        execution.retryTopic((JobRetry) value),
                Serdes.String().serializer(), (topic, value) -> topics.jobRetrySerde().serializer().serialize(topic, (JobRetry) value),
                EXECUTION);
        topology.addSink(USAGE_SINK, names.usage(), Serdes.String().serializer(),
                (topic, value) -> topics.usageSerde().serializer().serialize(topic, (ModelCallUsage) value), EXECUTION);
        topology.addSink(EVENTS_SINK, names.jobEvents(), Serdes.String().serializer(),
                (topic, value) -> topics.jobEventSerde().serializer().serialize(topic, (JobEvent) value), EXECUTION);
        return topology;
    }
}
