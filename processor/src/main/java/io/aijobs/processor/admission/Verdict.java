package io.aijobs.processor.admission;

import io.aijobs.processor.failure.Failure;
import io.aijobs.schema.state.JobExecutionState;
import java.util.Objects;

/**
 * What admission says about a job: one check's answer, and the pipeline's. {@link Admit} and {@link Replay} let the
 * job go on (to the next check, and after the last to execution); the first {@link Reject} or {@link Duplicate} ends
 * admission and no later check looks at the job.
 */
public sealed interface Verdict {

    /** Nothing against the job. */
    static Verdict admit() {
        return Admit.INSTANCE;
    }

    /** The job must not run, for this categorized reason; it is dead-lettered. */
    static Verdict reject(Failure failure) {
        return new Reject(failure);
    }

    /** Whether the job goes on to the next check and, after the last, runs. */
    boolean admits();

    /** Nothing against the job. */
    record Admit() implements Verdict {

        private static final Admit INSTANCE = new Admit();

        @Override
        public boolean admits() {
            return true;
        }
    }

    /**
     * Nothing against the job, which runs again after a failure (an operator replays its dead letter).
     *
     * @param failed its state as it failed: attempt numbers and the replay count continue from it
     */
    record Replay(JobExecutionState failed) implements Verdict {

        public Replay {
            Objects.requireNonNull(failed, "failed");
        }

        @Override
        public boolean admits() {
            return true;
        }
    }

    /** The job must not run: no call is made, and it is dead-lettered with this failure's category and reason. */
    record Reject(Failure failure) implements Verdict {

        public Reject {
            Objects.requireNonNull(failure, "failure");
        }

        @Override
        public boolean admits() {
            return false;
        }
    }

    /**
     * The job is already known: no call is made and nothing is dead-lettered (a DUPLICATE event records it).
     *
     * @param existing      its state as this task remembers it
     * @param replayIgnored it carried a replay header, but only a FAILED job is replayed
     */
    record Duplicate(JobExecutionState existing, boolean replayIgnored) implements Verdict {

        public Duplicate {
            Objects.requireNonNull(existing, "existing");
        }

        @Override
        public boolean admits() {
            return false;
        }
    }
}
