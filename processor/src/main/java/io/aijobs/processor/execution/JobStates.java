package io.aijobs.processor.execution;

import io.aijobs.schema.state.ExecutionStatus;
import io.aijobs.schema.state.JobExecutionState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A task's job states ({@code job-state}) and, beside them, the index of its unfinished jobs ({@code job-unfinished}):
 * the key of every job that is QUEUED or IN_FLIGHT, the jobs a new owner of the task has to start or re-issue. Every
 * write of a state goes through {@link #put}, which keeps the index in step in the same transaction, so that a task's
 * initialisation reads the few unfinished jobs instead of every job remembered within the dedup horizon (a million
 * remembered jobs took 1.8 s to scan on the benchmark machine, the index 10 ms: B8 in docs/benchmarks.md).
 *
 * <p>The cost, in the index's changelog: a tombstone of the job's key when it ends, and before it the key itself if
 * the job was still unfinished at a commit (a call open across the commit interval, a queued job). A job that
 * starts and finishes within one commit interval writes only the tombstone (the stores' caches keep the last write).
 * Jobs that are never QUEUED or IN_FLIGHT (answered from the cache, batched) write nothing there.
 *
 * <p>A store written before the index existed has none: the first {@link #unfinished} builds it from one scan of the
 * states and marks it complete ({@link #COMPLETE}), so that later initialisations trust it. An instance of the older
 * version that writes to the task later (during a rolling upgrade) leaves its unfinished jobs out of the index: the
 * {@link ExpiredJobSweep}, which reads every state, {@link #adopt adopts} them.
 *
 * <p>Touched only by the task's stream thread.
 */
final class JobStates {

    /** The index's marker that it covers every state of the store; sorts before any state key. */
    static final String COMPLETE = JobExecutionProcessorSupplier.UNFINISHED_INDEX_COMPLETE;

    private final KeyValueStore<String, JobExecutionState> states;
    private final KeyValueStore<String, String> unfinished;

    JobStates(KeyValueStore<String, JobExecutionState> states, KeyValueStore<String, String> unfinished) {
        this.states = states;
        this.unfinished = unfinished;
    }

    static boolean isUnfinished(ExecutionStatus status) {
        return status == ExecutionStatus.QUEUED || status == ExecutionStatus.IN_FLIGHT;
    }

    JobExecutionState get(String key) {
        return states.get(key);
    }

    /**
     * Writes the state, and adds its key to the index or removes it from there: a tombstone only for a key the index
     * holds, so that a job never indexed (answered from the cache, batched, waiting to retry) writes none.
     */
    void put(String key, JobExecutionState state) {
        states.put(key, state);
        if (isUnfinished(state.getStatus())) {
            unfinished.put(key, state.getStatus().name());
        } else if (unfinished.get(key) != null) {
            // a put of null deletes without reading the old value again, as delete() would
            unfinished.put(key, null);
        }
    }

    /** Whether the index covers every state: false for a store written before it, until {@link #unfinished} builds it. */
    boolean indexComplete() {
        return unfinished.get(COMPLETE) != null;
    }

    /** Whether the index holds the job's key. */
    boolean indexed(String key) {
        return unfinished.get(key) != null;
    }

    /**
     * Adds to the index an unfinished job found without it: written by an instance of a version before the index, on
     * a task whose index was already complete (a rolling upgrade, or a rollback and upgrade again).
     */
    void adopt(String key, JobExecutionState state) {
        unfinished.put(key, state.getStatus().name());
    }

    /** Forgets a finished job (the index never holds one). */
    void forget(String key) {
        states.delete(key);
    }

    /** Every state from {@code from} (inclusive, null: the first) on, in key order; the caller closes it. */
    KeyValueIterator<String, JobExecutionState> from(String from) {
        return from == null ? states.all() : states.range(from, null);
    }

    /**
     * The unfinished jobs' states, in their queue order, read through the index (built first if the store has none).
     * An index entry whose job is no longer unfinished is removed.
     */
    List<JobExecutionState> unfinished() {
        if (!indexComplete()) {
            buildIndex();
        }
        List<JobExecutionState> found = new ArrayList<>();
        List<String> stale = new ArrayList<>();
        try (KeyValueIterator<String, String> keys = unfinished.all()) {
            while (keys.hasNext()) {
                String key = keys.next().key;
                if (COMPLETE.equals(key)) {
                    continue;
                }
                JobExecutionState state = states.get(key);
                if (state != null && isUnfinished(state.getStatus())) {
                    found.add(state);
                } else {
                    stale.add(key);
                }
            }
        }
        stale.forEach(unfinished::delete);
        found.sort(Comparator.comparingLong(JobExecutionState::getQueueSequence));
        return found;
    }

    /** Indexes the unfinished jobs of a store written before the index existed, from one scan, and marks it complete. */
    private void buildIndex() {
        try (KeyValueIterator<String, JobExecutionState> all = states.all()) {
            while (all.hasNext()) {
                KeyValue<String, JobExecutionState> entry = all.next();
                if (isUnfinished(entry.value.getStatus())) {
                    unfinished.put(entry.key, entry.value.getStatus().name());
                }
            }
        }
        unfinished.put(COMPLETE, "1");
    }
}
