package io.aijobs.processor.execution;

import io.aijobs.processor.JobTopology;
import io.aijobs.schema.state.ExecutionStatus;
import io.aijobs.schema.state.JobExecutionState;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/** A task's job-state store and index of unfinished jobs, in memory and initialised, for unit tests of {@link JobStates}. */
final class InMemoryJobStores {

    final KeyValueStore<String, JobExecutionState> states = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(JobTopology.STATE_STORE), Serdes.String(), JobExecutionProcessorSupplier.stateSerde())
            .withLoggingDisabled().build();
    final KeyValueStore<String, String> index = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(JobTopology.UNFINISHED_STORE), Serdes.String(), Serdes.String()).withLoggingDisabled().build();

    InMemoryJobStores() {
        MockProcessorContext<String, Object> context = new MockProcessorContext<>();
        states.init(context.getStateStoreContext(), states);
        index.init(context.getStateStoreContext(), index);
    }

    /** A state of tenant acme's job, as the processor would write it with {@code status}. */
    static JobExecutionState state(String jobId, ExecutionStatus status, long sequence) {
        return JobExecutionState.newBuilder().setStatus(status).setJobId(jobId).setTenantId("acme").setAttempt(0)
                .setAttemptOffset(0).setReceivedAt(1).setUpdatedAt(1).setOriginTopic("t").setOriginPartition(0)
                .setOriginOffset(sequence).setQueueSequence(sequence).setReplays(0).build();
    }
}
