package io.aijobs.processor.execution;

import io.aijobs.processor.JobTopology;
import io.aijobs.schema.JobFailure;
import io.aijobs.serde.SingleObjectSerde;
import io.aijobs.schema.state.JobExecutionState;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/** One {@link JobExecutionProcessor} per task, with its changelogged stores. */
public final class JobExecutionProcessorSupplier implements ProcessorSupplier<String, byte[], String, Object> {

    private final ExecutionDependencies deps;

    public JobExecutionProcessorSupplier(ExecutionDependencies deps) {
        this.deps = deps;
    }

    @Override
    public Processor<String, byte[], String, Object> get() {
        return new JobExecutionProcessor(deps);
    }

    @Override
    public Set<StoreBuilder<?>> stores() {
        // Caching: a job that starts and finishes within one commit interval writes one changelog record, not two;
        // under exactly-once the cache is flushed into the same transaction as the input offsets it belongs to
        return Set.of(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(JobTopology.STATE_STORE), Serdes.String(),
                        stateSerde()).withCachingEnabled(),
                // The keys of the QUEUED and IN_FLIGHT jobs, beside their states (JobStates): a new owner reads these
                // instead of every job remembered
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(JobTopology.UNFINISHED_STORE), Serdes.String(),
                        Serdes.String()).withCachingEnabled(),
                // Jobs waiting to retry, keyed <dueAt, 19 digits>/<state key> so that a scan in key order meets them
                // in due order and can stop at the first one not yet due
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(JobTopology.RETRY_TIMERS_STORE), Serdes.String(),
                        Serdes.String()).withCachingEnabled(),
                // The task's batches: a handful at a time, each rewritten as jobs join it (the cache keeps one write of
                // it per commit interval)
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(JobTopology.BATCH_STORE), Serdes.String(),
                        new SingleObjectSerde<>(io.aijobs.schema.state.BatchState.getEncoder(), io.aijobs.schema.state.BatchState.getDecoder(),
                                "batch state")).withCachingEnabled());
    }

    /**
     * The key of the {@code job-unfinished} store's marker that the index covers every state in the task's store
     * ({@link JobStates}); it sorts before any state key.
     */
    public static final String UNFINISHED_INDEX_COMPLETE = "\u0000complete";

    /** The key of a job's state in the job-state store and its changelog (and in the index of unfinished jobs). */
    public static String stateKey(io.aijobs.contracts.TenantId tenant, String jobId) {
        return JobExecutionProcessor.stateKey(tenant, jobId);
    }

    /** Where every version of {@code JobExecutionState.avsc} the processor has written is kept, {@code -v1} on. */
    static final String STATE_SCHEMAS = "/io/aijobs/processor/state/JobExecutionState-v";

    /**
     * The job-state store's value serde: Avro single-object encoding, read with every version of the schema the
     * processor has written (a changelog restored after an upgrade holds the older ones), each resolved to the current.
     * A change to {@code JobExecutionState.avsc} adds its copy as the next version ({@code JobStateSchemasTest}).
     */
    public static SingleObjectSerde<JobExecutionState> stateSerde() {
        org.apache.avro.message.BinaryMessageDecoder<JobExecutionState> decoder = JobExecutionState.createDecoder(null);
        for (org.apache.avro.Schema schema : stateSchemas()) {
            decoder.addSchema(schema);
        }
        return new SingleObjectSerde<>(JobExecutionState.getEncoder(), decoder, "job state");
    }

    /** The versions of the job state's schema, oldest first. */
    static java.util.List<org.apache.avro.Schema> stateSchemas() {
        java.util.List<org.apache.avro.Schema> schemas = new java.util.ArrayList<>();
        for (int version = 1; ; version++) {
            try (java.io.InputStream in = JobExecutionProcessorSupplier.class.getResourceAsStream(STATE_SCHEMAS + version + ".avsc")) {
                if (in == null) {
                    return schemas;
                }
                schemas.add(new org.apache.avro.Schema.Parser().parse(in));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("Could not read the job state's schema version " + version, e);
            }
        }
    }

    /** Where a dead-letter record goes: its tenant's dead-letter topic, or the platform's when the tenant is unknown. */
    public String deadLetterTopic(JobFailure failure) {
        return JobOutputs.deadLetterTenant(failure).map(deps.names()::deadLetter).orElseGet(deps.names()::platformDeadLetter);
    }
}
