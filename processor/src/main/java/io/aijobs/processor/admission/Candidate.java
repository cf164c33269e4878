package io.aijobs.processor.admission;

import io.aijobs.contracts.TenantId;
import io.aijobs.schema.JobRequest;
import java.util.Objects;

/**
 * A job that decoded, from a topic that belongs to a tenant: what every {@link AdmissionCheck} looks at.
 *
 * @param tenant  the tenant of the topic the job arrived on (not necessarily the one the job names)
 * @param job     the decoded job, not yet checked against the contract
 * @param arrival the record it came in
 */
record Candidate(TenantId tenant, JobRequest job, Arrival arrival) {

    public Candidate {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(arrival, "arrival");
    }

    /** The processor's wall clock when the record is processed. */
    public long nowMs() {
        return arrival.nowMs();
    }
}
