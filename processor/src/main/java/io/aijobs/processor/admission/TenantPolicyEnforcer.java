package io.aijobs.processor.admission;

import io.aijobs.contracts.JobValidator;
import io.aijobs.contracts.TenantId;
import io.aijobs.processor.failure.Failure;
import io.aijobs.schema.DeadLetterContent;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.TenantPolicy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tenant policy rules of one processor instance: the checks made before any paid call (allowed models, input size,
 * rate limit; {@link TenantPolicyCheck} applies them in the admission pipeline), and whether a tenant's dead letters
 * keep content. Policies come from {@code platform.tenant-policies} (written by tenant provisioning only). One instance
 * is shared by every task of a processor instance.
 *
 * <p>A tenant's rate limit R holds for the whole deployment, whatever the number of instances: each partition of the
 * tenant's jobs topic has its own token bucket, refilled at R / P (P the topic's partitions, {@link PartitionCounts})
 * and holding at most max(1, R / P) tokens. A partition is processed by one task of one instance at a time, so the
 * buckets of all instances together refill at R. Over any interval T the tenant is admitted at most R·T + max(P, R)
 * jobs, plus one bucket's worth for each of its partitions that moves to another instance in that interval (the new
 * owner starts with a full bucket). A tenant whose jobs crowd a few partitions is refused below R: job ids spread
 * evenly over partitions, keys chosen otherwise may not. Until P is known the partition's bucket refills at R. A
 * rejected job takes no token.
 */
public final class TenantPolicyEnforcer {

    private final boolean policyRequired;
    private final DeadLetterContent defaultDeadLetterContent;
    private final PartitionCounts partitionCounts;
    private final Map<Partition, TokenBucket> buckets = new ConcurrentHashMap<>();

    private record Partition(String topic, int partition) {
    }

    /**
     * @param policyRequired           a tenant with no policy record is refused (SECURITY): only provisioned tenants run
     * @param defaultDeadLetterContent for tenants whose policy does not say (or that have none)
     */
    public TenantPolicyEnforcer(boolean policyRequired, DeadLetterContent defaultDeadLetterContent) {
        this(policyRequired, defaultDeadLetterContent, PartitionCounts.ONE);
    }

    /**
     * @param policyRequired           a tenant with no policy record is refused (SECURITY): only provisioned tenants run
     * @param defaultDeadLetterContent for tenants whose policy does not say (or that have none)
     * @param partitionCounts          the partitions of each tenant's jobs topic, which share its rate limit
     */
    public TenantPolicyEnforcer(boolean policyRequired, DeadLetterContent defaultDeadLetterContent, PartitionCounts partitionCounts) {
        this.policyRequired = policyRequired;
        this.defaultDeadLetterContent = defaultDeadLetterContent;
        this.partitionCounts = java.util.Objects.requireNonNull(partitionCounts, "partitionCounts");
    }

    /** No policy required, dead letters keep content. */
    public static TenantPolicyEnforcer permissive() {
        return new TenantPolicyEnforcer(false, DeadLetterContent.FULL);
    }

    /**
     * Why the job must not run under its tenant's policy, or null. Takes a rate-limit token of the partition it arrived
     * on when it may run.
     */
    Failure check(TenantId tenant, TenantPolicy policy, JobRequest job, Arrival arrival) {
        if (policy == null) {
            return policyRequired ? Failure.rejection(FailureCategory.SECURITY, "unknown_tenant", "Tenant " + tenant
                    + " has no policy: it was not provisioned (aijobs tenant create), so its jobs run for no one") : null;
        }
        if (!policy.getAllowedModels().isEmpty() && !policy.getAllowedModels().contains(job.getModel())) {
            return Failure.rejection(FailureCategory.POLICY, "model_not_allowed", "Model '" + job.getModel()
                    + "' is not among the models tenant " + tenant + " may use " + policy.getAllowedModels());
        }
        if (policy.getMaxInputBytes() != null) {
            long bytes = JobValidator.inputBytes(job);
            if (bytes > policy.getMaxInputBytes()) {
                return Failure.rejection(FailureCategory.POLICY, "input_too_large", "Input is " + bytes + " bytes; tenant " + tenant
                        + " may send at most " + policy.getMaxInputBytes());
            }
        }
        Double rate = policy.getRateLimitPerSecond();
        if (rate != null && rate > 0) {
            int partitions = Math.max(1, partitionCounts.partitions(arrival.topic()));
            double share = rate / partitions;
            if (!buckets.computeIfAbsent(new Partition(arrival.topic(), arrival.partition()), p -> new TokenBucket())
                    .tryTake(share, arrival.nowMs())) {
                return Failure.rejection(FailureCategory.POLICY, "rate_limited", "Tenant " + tenant + " is over its rate limit of "
                        + rate + " jobs/s (" + String.format(java.util.Locale.ROOT, "%.2f", share) + " on each of its " + partitions + " partitions); slow down and resubmit"
                        + " (no model call was made)");
            }
        }
        return null;
    }

    /** Whether a tenant needs a policy record: without one (never provisioned, or deleted) its jobs run for no one. */
    public boolean policyRequired() {
        return policyRequired;
    }

    /** True when the tenant's dead letters keep a hash of the original value instead of the value. */
    public boolean hashDeadLetters(TenantPolicy policy) {
        DeadLetterContent content = policy == null || policy.getDeadLetterContent() == DeadLetterContent.UNKNOWN
                ? defaultDeadLetterContent : policy.getDeadLetterContent();
        return content == DeadLetterContent.HASH;
    }

    /** Tokens refill at the rate, up to one second's worth and at least one; one token per admitted job. */
    private static final class TokenBucket {

        private double tokens = Double.NaN;
        private long lastMs;

        synchronized boolean tryTake(double ratePerSecond, long nowMs) {
            double capacity = Math.max(1.0, ratePerSecond);
            if (Double.isNaN(tokens)) {
                tokens = capacity;
            } else {
                tokens = Math.min(capacity, tokens + Math.max(0, nowMs - lastMs) * ratePerSecond / 1000.0);
            }
            lastMs = nowMs;
            if (tokens >= 1.0) {
                tokens -= 1.0;
                return true;
            }
            return false;
        }
    }
}
