package io.aijobs.processor.admission;

import io.aijobs.schema.state.ExecutionStatus;
import io.aijobs.schema.state.JobExecutionState;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job the task already knows (queued, in flight, waiting to retry, completed or failed) is a {@link Verdict.Duplicate}:
 * no call, no dead letter. The one exception is a replay (header {@code aijobs.replay-of}) of a job that FAILED: it
 * runs again, once ({@link Verdict.Replay}); a second copy of the replay finds it running and is a duplicate.
 */
final class KnownJobCheck implements AdmissionCheck {

    private static final Logger log = LoggerFactory.getLogger(KnownJobCheck.class);

    private final KnownJobs knownJobs;

    KnownJobCheck(KnownJobs knownJobs) {
        this.knownJobs = Objects.requireNonNull(knownJobs, "knownJobs");
    }

    @Override
    public String name() {
        return "known-job";
    }

    @Override
    public Verdict check(Candidate candidate) {
        JobExecutionState existing = knownJobs.find(candidate.tenant(), candidate.job().getJobId());
        if (existing == null) {
            return Verdict.admit();
        }
        String replayOf = candidate.arrival().replayOf();
        if (replayOf == null || existing.getStatus() != ExecutionStatus.FAILED) {
            return new Verdict.Duplicate(existing, replayOf != null);
        }
        log.info("Job {} of tenant {}: replay {} of {}", candidate.job().getJobId(), candidate.tenant(), existing.getReplays() + 1,
                replayOf);
        return new Verdict.Replay(existing);
    }
}
