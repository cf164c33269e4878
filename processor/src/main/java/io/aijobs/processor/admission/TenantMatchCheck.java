package io.aijobs.processor.admission;

import io.aijobs.processor.failure.Failure;
import io.aijobs.schema.FailureCategory;

/**
 * A job that names a tenant other than the one whose topic it arrived on is SECURITY: it runs for no one, since a
 * tenant may write only to its own jobs topic.
 */
final class TenantMatchCheck implements AdmissionCheck {

    @Override
    public String name() {
        return "tenant-match";
    }

    @Override
    public Verdict check(Candidate candidate) {
        if (candidate.tenant().value().equals(candidate.job().getTenantId())) {
            return Verdict.admit();
        }
        return Verdict.reject(Failure.rejection(FailureCategory.SECURITY, "tenant_mismatch", "The job names tenant '"
                + candidate.job().getTenantId() + "' but was published on " + candidate.arrival().topic() + "; it runs for no one"));
    }
}
