package io.aijobs.processor.execution;

import io.aijobs.schema.state.ExecutionStatus;
import io.aijobs.schema.state.JobExecutionState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * Forgets a task's finished jobs once they are older than the dedup horizon, in sweeps over its store that start every
 * {@code dedup.cleanup.interval.ms} and go on in slices: each {@link #tick} looks at states for at most {@code slice}
 * of the stream thread's time and forgets at most {@code maxPerTick} jobs, then leaves a cursor for the next tick.
 * One pass over a million remembered jobs took 2.4 s on the benchmark machine: in one go it would hold the stream
 * thread, and the transaction open on it, that long. The budget is per task: the tasks of one stream thread whose
 * sweeps run at once take a slice each.
 *
 * <p>As it reads every state, a sweep also finds unfinished jobs missing from the index of unfinished jobs (written by
 * an instance of a version before the index: see {@link JobStates}), indexes them and hands them to {@code orphans},
 * which starts or re-issues them.
 *
 * <p>Touched only by the task's stream thread.
 */
final class ExpiredJobSweep {

    /** How often a sweep under way goes on. */
    static final Duration TICK = Duration.ofSeconds(1);

    private final JobStates states;
    private final long horizonMs;
    private final long intervalMs;
    private final long sliceNanos;
    private final int maxPerTick;
    private final java.util.function.BiConsumer<String, JobExecutionState> orphans;
    /** The key the sweep under way goes on from; null with no sweep under way, or at its start. */
    private String cursor;
    private boolean sweeping;
    private long nextSweepAt;

    /** @param startedAtMs the task's start (wall clock): the first sweep is due an interval after it */
    ExpiredJobSweep(JobStates states, Duration horizon, Duration interval, Duration slice, int maxPerTick, long startedAtMs,
                    java.util.function.BiConsumer<String, JobExecutionState> orphans) {
        this.orphans = orphans;
        this.states = states;
        this.horizonMs = horizon.toMillis();
        this.intervalMs = interval.toMillis();
        this.sliceNanos = slice.toNanos();
        this.maxPerTick = maxPerTick;
        this.nextSweepAt = startedAtMs + intervalMs;
    }

    /** Starts a sweep if one is due, goes on with the one under way; returns the jobs forgotten by this tick. */
    int tick(long wallClockMs) {
        if (!sweeping) {
            if (wallClockMs < nextSweepAt) {
                return 0;
            }
            sweeping = true;
            cursor = null;
            nextSweepAt = wallClockMs + intervalMs;
        }
        long cutoff = wallClockMs - horizonMs;
        long until = System.nanoTime() + sliceNanos;
        List<String> expired = new ArrayList<>();
        List<KeyValue<String, JobExecutionState>> orphaned = new ArrayList<>();
        String next = null;
        try (KeyValueIterator<String, JobExecutionState> all = states.from(cursor)) {
            int looked = 0;
            while (all.hasNext()) {
                if (expired.size() >= maxPerTick || (++looked % 256 == 0 && System.nanoTime() > until)) {
                    next = all.peekNextKey();
                    break;
                }
                KeyValue<String, JobExecutionState> entry = all.next();
                ExecutionStatus status = entry.value.getStatus();
                if ((status == ExecutionStatus.COMPLETED || status == ExecutionStatus.FAILED) && entry.value.getUpdatedAt() < cutoff) {
                    expired.add(entry.key);
                } else if (JobStates.isUnfinished(status) && !states.indexed(entry.key)) {
                    orphaned.add(entry);
                }
            }
        }
        expired.forEach(states::forget);
        for (KeyValue<String, JobExecutionState> orphan : orphaned) {
            states.adopt(orphan.key, orphan.value);
            orphans.accept(orphan.key, orphan.value);
        }
        cursor = next;
        sweeping = next != null;
        return expired.size();
    }

    /** Whether a sweep is under way (started, not yet at the store's end). */
    boolean sweeping() {
        return sweeping;
    }
}
