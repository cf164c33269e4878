package io.aijobs.processor.execution;

import static io.aijobs.processor.execution.InMemoryJobStores.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.schema.state.ExecutionStatus;
import io.aijobs.schema.state.JobExecutionState;
import java.time.Duration;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

class ExpiredJobSweepTest {

    private static final long HORIZON = 60_000;
    private static final long INTERVAL = 10_000;
    private static final long NOW = 1_000_000;

    private final InMemoryJobStores stores = new InMemoryJobStores();
    private final KeyValueStore<String, JobExecutionState> stateStore = stores.states;
    private final KeyValueStore<String, String> index = stores.index;
    private final JobStates states = new JobStates(stateStore, index);
    private final java.util.List<String> orphans = new java.util.ArrayList<>();

    private void put(String jobId, ExecutionStatus status, long updatedAt) {
        JobExecutionState state = state(jobId, status, 0);
        state.setUpdatedAt(updatedAt);
        states.put("acme/" + jobId, state);
    }

    private ExpiredJobSweep sweep(int maxPerTick) {
        return new ExpiredJobSweep(states, Duration.ofMillis(HORIZON), Duration.ofMillis(INTERVAL), Duration.ofSeconds(10), maxPerTick,
                NOW - INTERVAL, (key, state) -> orphans.add(key));
    }

    @Test
    void shouldForgetOnlyFinishedJobsOlderThanTheHorizonAndStartTheFirstSweepOneIntervalAfterTheTasksStart() {
        put("old-done", ExecutionStatus.COMPLETED, NOW - HORIZON - 1);
        put("old-failed", ExecutionStatus.FAILED, NOW - HORIZON - 1);
        put("old-queued", ExecutionStatus.QUEUED, NOW - HORIZON - 1);
        put("old-waiting", ExecutionStatus.RETRY_WAIT, NOW - HORIZON - 1);
        put("recent-done", ExecutionStatus.COMPLETED, NOW - HORIZON + 1);
        ExpiredJobSweep sweep = sweep(100);

        assertThat(sweep.tick(NOW - INTERVAL + 1_000)).isZero();
        assertThat(sweep.tick(NOW - 1)).isZero();
        assertThat(sweep.tick(NOW)).isEqualTo(2);

        assertThat(stateStore.get("acme/old-done")).isNull();
        assertThat(stateStore.get("acme/old-failed")).isNull();
        assertThat(stateStore.get("acme/old-queued")).isNotNull();
        assertThat(stateStore.get("acme/old-waiting")).isNotNull();
        assertThat(stateStore.get("acme/recent-done")).isNotNull();
        assertThat(sweep.sweeping()).isFalse();
    }

    @Test
    void shouldGoOnFromWhereTheLastTickStoppedAndStartTheNextSweepOnlyAnIntervalAfterTheLast() {
        for (int i = 0; i < 5; i++) {
            put("j-" + i, ExecutionStatus.COMPLETED, NOW - HORIZON - 1);
        }
        ExpiredJobSweep sweep = sweep(2);

        assertThat(sweep.tick(NOW)).isEqualTo(2);
        assertThat(sweep.sweeping()).isTrue();
        assertThat(sweep.tick(NOW + 1_000)).isEqualTo(2);
        assertThat(sweep.tick(NOW + 2_000)).isEqualTo(1);
        assertThat(sweep.sweeping()).isFalse();
        assertThat(stateStore.approximateNumEntries()).isZero();

        put("later", ExecutionStatus.COMPLETED, NOW - HORIZON - 1);
        assertThat(sweep.tick(NOW + INTERVAL - 1)).as("the next sweep is not due yet").isZero();
        assertThat(sweep.tick(NOW + INTERVAL)).isEqualTo(1);
    }

    @Test
    void shouldIndexAndHandOverAnUnfinishedJobAnOlderVersionWroteOutsideTheIndex() {
        put("indexed", ExecutionStatus.QUEUED, NOW);
        assertThat(states.unfinished()).hasSize(1);
        // as an instance without the index writes it: the state alone
        stateStore.put("acme/older", state("older", ExecutionStatus.IN_FLIGHT, 1));
        ExpiredJobSweep sweep = sweep(100);

        sweep.tick(NOW);

        assertThat(orphans).containsExactly("acme/older");
        assertThat(index.get("acme/older")).isEqualTo("IN_FLIGHT");
        assertThat(states.unfinished()).extracting(JobExecutionState::getJobId).containsExactly("indexed", "older");
    }
}
