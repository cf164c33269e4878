package io.aijobs.processor.execution;

import io.aijobs.processor.JobTopology;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/** One {@link JobExecutionProcessor} per task, with its changelogged store. */
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
        return Set.of(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(JobTopology.STATE_STORE), Serdes.String(), new StateSerde()));
    }

    /** Where a dead-letter record goes; exposed for the topology's sink. */
    public String deadLetterTopic(io.aijobs.schema.JobFailure failure) {
        return new JobOutputs(deps.names()).deadLetterTopic(failure);
    }
}
