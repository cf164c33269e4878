package io.aijobs.processor.admission;

import io.aijobs.contracts.TenantId;
import io.aijobs.processor.failure.Failure;
import io.aijobs.schema.TenantPolicy;
import java.util.Objects;
import java.util.function.Function;

/**
 * The tenant's policy ({@link TenantPolicyEnforcer}): an unprovisioned tenant is SECURITY when policies are required;
 * a model not allowed, an input too large or a tenant over its rate limit is POLICY. Takes a rate-limit token when
 * it admits the job.
 */
final class TenantPolicyCheck implements AdmissionCheck {

    private final TenantPolicyEnforcer enforcer;
    private final Function<TenantId, TenantPolicy> policyOf;

    /**
     * @param enforcer the instance's rules and rate-limit buckets (shared by every task)
     * @param policyOf the tenant's current policy, or null when it has none
     */
    TenantPolicyCheck(TenantPolicyEnforcer enforcer, Function<TenantId, TenantPolicy> policyOf) {
        this.enforcer = Objects.requireNonNull(enforcer, "enforcer");
        this.policyOf = Objects.requireNonNull(policyOf, "policyOf");
    }

    @Override
    public String name() {
        return "tenant-policy";
    }

    @Override
    public Verdict check(Candidate candidate) {
        Failure refused = enforcer.check(candidate.tenant(), policyOf.apply(candidate.tenant()), candidate.job(), candidate.arrival());
        return refused == null ? Verdict.admit() : Verdict.reject(refused);
    }
}
