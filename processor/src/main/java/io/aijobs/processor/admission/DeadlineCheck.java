package io.aijobs.processor.admission;

import io.aijobs.processor.failure.Failure;
import io.aijobs.schema.FailureCategory;
import java.time.Instant;

/** A job whose deadline is not after now is EXPIRED: nobody waits for its answer any more. */
final class DeadlineCheck implements AdmissionCheck {

    @Override
    public String name() {
        return "deadline";
    }

    @Override
    public Verdict check(Candidate candidate) {
        Instant deadline = candidate.job().getDeadline();
        if (deadline == null || deadline.isAfter(Instant.ofEpochMilli(candidate.nowMs()))) {
            return Verdict.admit();
        }
        return Verdict.reject(Failure.rejection(FailureCategory.EXPIRED, "deadline_passed", "The deadline " + deadline
                + " passed before the job started"));
    }
}
