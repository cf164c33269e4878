package io.aijobs.processor.execution;

import static io.aijobs.processor.execution.InMemoryJobStores.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.schema.state.ExecutionStatus;
import io.aijobs.schema.state.JobExecutionState;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

class JobStatesTest {

    private final InMemoryJobStores stores = new InMemoryJobStores();
    private final KeyValueStore<String, JobExecutionState> stateStore = stores.states;
    private final KeyValueStore<String, String> index = stores.index;
    private final JobStates states = new JobStates(stateStore, index);

    @Test
    void shouldIndexAJobWhileItIsQueuedOrInFlightAndNotOnceItHasFinished() {
        states.put("acme/j-1", state("j-1", ExecutionStatus.QUEUED, 0));
        assertThat(index.get("acme/j-1")).isEqualTo("QUEUED");
        states.put("acme/j-1", state("j-1", ExecutionStatus.IN_FLIGHT, 0));
        assertThat(index.get("acme/j-1")).isEqualTo("IN_FLIGHT");
        states.put("acme/j-1", state("j-1", ExecutionStatus.COMPLETED, 0));
        assertThat(index.get("acme/j-1")).isNull();
        states.put("acme/j-2", state("j-2", ExecutionStatus.RETRY_WAIT, 1));
        states.put("acme/j-3", state("j-3", ExecutionStatus.BATCHED, 2));
        states.put("acme/j-4", state("j-4", ExecutionStatus.FAILED, 3));
        assertThat(index.approximateNumEntries()).isZero();
    }

    @Test
    void shouldWriteNoTombstoneForAJobTheIndexNeverHeld() {
        java.util.List<String> written = new java.util.ArrayList<>();
        JobStates watched = new JobStates(stateStore, recordingPuts(index, written));
        watched.put("acme/cached", state("cached", ExecutionStatus.COMPLETED, 0));
        watched.put("acme/called", state("called", ExecutionStatus.IN_FLIGHT, 1));
        watched.put("acme/called", state("called", ExecutionStatus.COMPLETED, 1));
        assertThat(written).containsExactly("acme/called=IN_FLIGHT", "acme/called=null");
    }

    @Test
    void shouldReturnTheUnfinishedJobsInQueueOrderFromTheIndexOnceItIsComplete() {
        states.put("acme/b", state("b", ExecutionStatus.QUEUED, 5));
        states.put("acme/a", state("a", ExecutionStatus.IN_FLIGHT, 9));
        states.put("acme/c", state("c", ExecutionStatus.COMPLETED, 1));
        states.put("acme/d", state("d", ExecutionStatus.QUEUED, 2));

        assertThat(states.unfinished()).extracting(JobExecutionState::getJobId).containsExactly("d", "b", "a");
        // written around the index, as no code of the processor does: not found, so the states were not scanned
        stateStore.put("acme/e", state("e", ExecutionStatus.QUEUED, 0));
        assertThat(states.unfinished()).extracting(JobExecutionState::getJobId).containsExactly("d", "b", "a");
    }

    @Test
    void shouldBuildTheIndexOnceFromTheStatesOfAStoreWrittenBeforeIt() {
        stateStore.put("acme/a", state("a", ExecutionStatus.QUEUED, 3));
        stateStore.put("acme/b", state("b", ExecutionStatus.COMPLETED, 1));
        stateStore.put("acme/c", state("c", ExecutionStatus.IN_FLIGHT, 2));

        assertThat(states.unfinished()).extracting(JobExecutionState::getJobId).containsExactly("c", "a");
        assertThat(index.get(JobStates.COMPLETE)).isNotNull();
        assertThat(index.get("acme/a")).isEqualTo("QUEUED");
        assertThat(index.get("acme/c")).isEqualTo("IN_FLIGHT");
        assertThat(index.get("acme/b")).isNull();
    }

    @Test
    void shouldRemoveAnIndexEntryWhoseJobIsNoLongerUnfinished() {
        states.put("acme/a", state("a", ExecutionStatus.QUEUED, 0));
        assertThat(states.unfinished()).hasSize(1);
        stateStore.put("acme/a", state("a", ExecutionStatus.COMPLETED, 0));
        index.put("acme/gone", "QUEUED");

        assertThat(states.unfinished()).isEmpty();
        assertThat(index.get("acme/a")).isNull();
        assertThat(index.get("acme/gone")).isNull();
    }

    /** The store, with each put recorded as "key=value" (a put is what reaches the changelog). */
    @SuppressWarnings("unchecked")
    private static KeyValueStore<String, String> recordingPuts(KeyValueStore<String, String> store, java.util.List<String> puts) {
        return (KeyValueStore<String, String>) java.lang.reflect.Proxy.newProxyInstance(JobStatesTest.class.getClassLoader(),
                new Class<?>[] {KeyValueStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("put")) {
                        puts.add(args[0] + "=" + args[1]);
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
