package io.aijobs.processor;

import io.aijobs.application.PricesGlobalStore;
import io.aijobs.application.TenantPoliciesGlobalStore;
import io.aijobs.application.StreamsTopics;
import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TenantTopics;
import io.aijobs.contracts.Topics;
import io.aijobs.processor.alerts.AlertRules;
import io.aijobs.processor.alerts.AlertTopology;
import io.aijobs.processor.cache.ResponseCacheStore;
import io.aijobs.processor.execution.ExecutionDependencies;
import io.aijobs.processor.execution.JobExecutionProcessorSupplier;
import io.aijobs.schema.JobEvent;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.JobRetry;
import io.aijobs.schema.ModelCallUsage;
import io.aijobs.schema.ResponseCacheEntry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;

/**
 * The processor's topology, a pure function of its dependencies:
 *
 * <pre>
 * jobs-source (pattern tenant.*.jobs, raw bytes)
 *   └─ job-execution (stores job-state, job-unfinished, retry-timers, batch-state)
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
 * Jobs are stamped with their arrival ({@link ArrivalTimeExtractor}): a task reads its tenants' partitions in arrival
 * order, not one tenant's whole backlog first. Values are read as bytes so that an undecodable record reaches the dead-letter topic with its original bytes
 * instead of stopping the task. Names of nodes and stores are constants: internal topic names stay stable.
 */
public final class JobTopology {

    public static final String SOURCE = "jobs-source";
    public static final String EXECUTION = "job-execution";
    public static final String STATE_STORE = "job-state";
    public static final String RETRY_TIMERS_STORE = "retry-timers";
    /** The keys of the task's unfinished jobs (QUEUED or IN_FLIGHT), which its next owner starts or re-issues. */
    public static final String UNFINISHED_STORE = "job-unfinished";
    /** The task's batches sent through a provider's batch interface ({@code BatchState} by key). */
    public static final String BATCH_STORE = "batch-state";
    public static final String RETRY_SINK = "retry-sink";
    /** Global store of each tenant's spend in the billing period, from the cost aggregator's tenant-spend topic. */
    public static final String SPEND_STORE = "tenant-spend-global";
    /** Global store of {@code platform.tenant-policies}: the latest {@code TenantPolicy} per tenant (as the aggregator's). */
    public static final String POLICIES_STORE = TenantPoliciesGlobalStore.STORE;
    public static final String RESULTS_SINK = "results-sink";
    public static final String DLT_SINK = "dlt-sink";
    /** Dead letters of tenants that have no policy (never provisioned, or deleted): their own topics are not to be trusted. */
    public static final String PLATFORM_DLT_SINK = "platform-dlt-sink";
    public static final String USAGE_SINK = "usage-sink";
    public static final String EVENTS_SINK = "events-sink";
    public static final String RESPONSE_CACHE_SINK = "response-cache-sink";

    private JobTopology() {
    }

    /** Keeps a global store holding the latest value per key of a compacted topic (the tenants' spend). */
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
        JobExecutionProcessorSupplier execution = new JobExecutionProcessorSupplier(deps);
        StreamsBuilder builder = new StreamsBuilder();
        alerts.ifPresent(rules -> AlertTopology.addTo(builder, topics, rules));
        // the execution part is plain Processor API, added to what the DSL built
        Topology topology = builder.build();
        StreamsTopics.addGlobalStore(topology, SPEND_STORE, "tenant-spend-source", topics.tenantSpend(), "tenant-spend-updater",
                () -> new LatestValueUpdater<>(SPEND_STORE));
        TenantPoliciesGlobalStore.addTo(topology, topics.tenantPolicies());
        PricesGlobalStore.addTo(topology, topics.prices(), deps.prices().book());
        ResponseCacheStore.addTo(topology, topics.responseCache(), deps.responseCache().maxEntries(), deps.responseCache().maxBytes());
        // no reset of its own: the application's auto.offset.reset applies
        topology.addSource((org.apache.kafka.streams.AutoOffsetReset) null, SOURCE, new ArrivalTimeExtractor(), Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer(),
                topics.jobsOfTenants().pattern());
        topology.addProcessor(EXECUTION, execution, SOURCE);
        StreamsTopics.addSink(topology, RESULTS_SINK, topics.resultsOfTenants(), JobResult.class,
                result -> TenantId.of(result.getTenantId()), EXECUTION);
        // a tenant's dead letters, or the platform's when the tenant is unknown: JobFailure topics alike
        TenantTopics<String, JobFailure> deadLetters = topics.deadLettersOfTenants();
        StreamsTopics.addSink(topology, DLT_SINK, deadLetters.keySerde(), deadLetters.valueSerde(), JobFailure.class,
                execution::deadLetterTopic, EXECUTION);
        StreamsTopics.addSink(topology, PLATFORM_DLT_SINK, topics.platformDeadLetter(), JobFailure.class, EXECUTION);
        Topics.RetryTopics retries = topics.retryTiers();
        StreamsTopics.addSink(topology, RETRY_SINK, retries.keySerde(), retries.valueSerde(), JobRetry.class,
                retry -> retries.name(retry.getTier()), EXECUTION);
        StreamsTopics.addSink(topology, USAGE_SINK, topics.usage(), ModelCallUsage.class, EXECUTION);
        StreamsTopics.addSink(topology, EVENTS_SINK, topics.jobEvents(), JobEvent.class, EXECUTION);
        StreamsTopics.addSink(topology, RESPONSE_CACHE_SINK, topics.responseCache(), ResponseCacheEntry.class, EXECUTION);
        return topology;
    }
}
