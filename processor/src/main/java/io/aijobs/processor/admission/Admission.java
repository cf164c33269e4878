package io.aijobs.processor.admission;

import io.aijobs.contracts.TenantId;
import io.aijobs.processor.failure.Failure;
import io.aijobs.schema.JobRequest;
import java.util.Objects;

/**
 * The pipeline's answer for one record: its verdict, with what admission learnt about the record before it.
 *
 * @param tenant  the tenant of the topic; null only when the topic is not a tenant's jobs topic
 * @param job     the decoded job; null when the record was rejected before it decoded (or its value was null)
 * @param verdict admitted ({@link Verdict#admits()}), rejected, or a duplicate
 */
public record Admission(TenantId tenant, JobRequest job, Verdict verdict) {

    public Admission {
        Objects.requireNonNull(verdict, "verdict");
        if (verdict.admits() && (tenant == null || job == null)) {
            throw new IllegalArgumentException("an admitted job has a tenant and a decoded job");
        }
    }

    static Admission rejected(TenantId tenant, JobRequest job, Failure failure) {
        return new Admission(tenant, job, Verdict.reject(failure));
    }
}
