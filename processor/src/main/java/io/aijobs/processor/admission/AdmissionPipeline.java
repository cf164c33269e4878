package io.aijobs.processor.admission;

import io.aijobs.contracts.JobValidator;
import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicNames;
import io.aijobs.processor.ProcessorConfig.UnknownModelPolicy;
import io.aijobs.processor.pricing.PriceTable;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.TenantPolicy;
import io.aijobs.schema.TenantSpend;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Decides, before any model call, whether a record on a jobs topic runs: the one admission path of the processor.
 * Steps run in this order, and the first that does not admit ends admission (no later step sees the record):
 *
 * <ol>
 *   <li>{@code tenant-of-topic}: the record's topic is a tenant's jobs topic, else POISON. Everything after is per
 *       tenant, and a dead letter needs a tenant to go to.</li>
 *   <li>{@code decode}: the bytes decode to a job, else POISON (null value: INVALID). Every check below reads the
 *       job.</li>
 *   <li>{@code contract}: the job meets the job contract, else INVALID. The checks below rely on its fields.</li>
 *   <li>{@code tenant-match}: the job names the tenant of its topic, else SECURITY.</li>
 *   <li>{@code key}: the record key is the jobId, else INVALID (deduplication is per partition).</li>
 *   <li>{@code deadline}: the deadline, if any, is still ahead, else EXPIRED.</li>
 *   <li>{@code route}: a route of the routing table serves the model, else INVALID.</li>
 *   <li>{@code price}: under {@code pricing.unknown.model.policy=REJECT}, the model has a price, else PERMANENT.</li>
 *   <li>{@code known-job}: the task does not know the job yet, else a duplicate (no dead letter), unless it is a
 *       replay of a FAILED job, which is admitted as a replay. It comes after the checks above, so a copy of a known
 *       job that breaks one of them (the contract, or a deadline passed since) is dead-lettered, not counted as a
 *       duplicate; and before the tenant's policy and budget, so that a duplicate of a known job stays a duplicate
 *       whatever its tenant's policy says now, and takes no rate-limit token.</li>
 *   <li>{@code tenant-policy}: the tenant has a policy when one is required (else SECURITY), the model is allowed,
 *       the input is not too large and the tenant is within its rate limit (else POLICY). Takes a rate-limit token
 *       when it admits.</li>
 *   <li>{@code budget}: the tenant's spend this billing period is under its hard limit, else BUDGET. A job refused
 *       here has already taken a rate-limit token.</li>
 * </ol>
 *
 * Only the first eight steps are pure; {@code known-job} reads the task's execution state, {@code tenant-policy} and
 * {@code budget} read the tenant's policy and spend, and {@code tenant-policy} consumes. A new check (fair scheduling,
 * a response cache) is added to {@link #standard}'s list at the place its meaning requires, and to this list; a check
 * that consumes goes as late as it can (see {@link AdmissionCheck}).
 *
 * <p>Threading: one pipeline per task, used only by the task's stream thread (the rate-limit buckets it shares with
 * other tasks are thread-safe). It writes nothing: what a verdict leads to (dead letter, event, call) is the caller's.
 */
public final class AdmissionPipeline {

    private final TenantOfTopic tenantOfTopic;
    private final JobDecoding decoding;
    private final List<AdmissionCheck> checks;

    AdmissionPipeline(TenantOfTopic tenantOfTopic, JobDecoding decoding, List<AdmissionCheck> checks) {
        this.tenantOfTopic = Objects.requireNonNull(tenantOfTopic, "tenantOfTopic");
        this.decoding = Objects.requireNonNull(decoding, "decoding");
        this.checks = List.copyOf(checks);
    }

    /**
     * The processor's pipeline, in the order stated above.
     *
     * @param names              to tell a tenant's jobs topic
     * @param deserializer       the job's wire format
     * @param validator          the job contract
     * @param unknownModelPolicy what to do with a model that has no price
     * @param prices             the price table
     * @param routed             whether a route serves a model
     * @param tenantPolicies     the instance's policy rules and rate-limit buckets
     * @param knownJobs          the task's execution state
     * @param policyOf           a tenant's current policy, or null
     * @param spendOf            a tenant's spend as the cost aggregator last published it, or null
     */
    public static AdmissionPipeline standard(TopicNames names, Deserializer<JobRequest> deserializer, JobValidator validator,
                                             UnknownModelPolicy unknownModelPolicy, PriceTable prices,
                                             java.util.function.Predicate<String> routed, TenantPolicyEnforcer tenantPolicies, KnownJobs knownJobs,
                                             Function<TenantId, TenantPolicy> policyOf, Function<TenantId, TenantSpend> spendOf) {
        return new AdmissionPipeline(new TenantOfTopic(names), new JobDecoding(deserializer), List.of(
                new ContractCheck(validator),
                new TenantMatchCheck(),
                new KeyCheck(),
                new DeadlineCheck(),
                new RouteCheck(routed),
                new PriceCheck(unknownModelPolicy, prices),
                new KnownJobCheck(knownJobs),
                new TenantPolicyCheck(tenantPolicies, policyOf),
                new BudgetCheck(spendOf)));
    }

    /** The verdict on one record, with its tenant and job as far as admission got. */
    public Admission admit(Arrival arrival) {
        Optional<TenantId> tenant = tenantOfTopic.tenantOf(arrival);
        if (tenant.isEmpty()) {
            return Admission.rejected(null, null, TenantOfTopic.unknownTopic());
        }
        JobDecoding.Decoded decoded = decoding.decode(arrival);
        if (decoded.job() == null) {
            return Admission.rejected(tenant.get(), null, decoded.failure());
        }
        return new Admission(tenant.get(), decoded.job(), verdict(new Candidate(tenant.get(), decoded.job(), arrival)));
    }

    private Verdict verdict(Candidate candidate) {
        Verdict admitted = Verdict.admit();
        for (AdmissionCheck check : checks) {
            Verdict verdict = check.check(candidate);
            if (!verdict.admits()) {
                return verdict;
            }
            if (verdict instanceof Verdict.Replay) {
                admitted = verdict;
            }
        }
        return admitted;
    }

    /** The names of the steps, in the order they run. */
    List<String> steps() {
        List<String> steps = new ArrayList<>(List.of(TenantOfTopic.NAME, JobDecoding.NAME));
        checks.forEach(check -> steps.add(check.name()));
        return steps;
    }
}
