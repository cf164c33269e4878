package io.aijobs.processor.admission;

import io.aijobs.processor.failure.Failure;
import io.aijobs.schema.FailureCategory;

/**
 * A job whose record key is not its jobId is INVALID: deduplication is per partition, so only a job keyed by its
 * jobId always meets its earlier copies.
 */
final class KeyCheck implements AdmissionCheck {

    @Override
    public String name() {
        return "key";
    }

    @Override
    public Verdict check(Candidate candidate) {
        if (candidate.job().getJobId().equals(candidate.arrival().key())) {
            return Verdict.admit();
        }
        return Verdict.reject(Failure.rejection(FailureCategory.INVALID, "key_mismatch",
                "The record key must be the jobId (deduplication is per partition)"));
    }
}
