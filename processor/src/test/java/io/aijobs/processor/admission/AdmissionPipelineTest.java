package io.aijobs.processor.admission;

import static io.aijobs.processor.admission.AdmissionFixtures.ACME;
import static io.aijobs.processor.admission.AdmissionFixtures.ACME_JOBS;
import static io.aijobs.processor.admission.AdmissionFixtures.T0;
import static io.aijobs.processor.admission.AdmissionFixtures.job;
import static io.aijobs.processor.admission.AdmissionFixtures.known;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.contracts.JobValidator;
import io.aijobs.contracts.TopicNames;
import io.aijobs.processor.ProcessorConfig.UnknownModelPolicy;
import io.aijobs.processor.failure.Failure;
import io.aijobs.processor.pricing.PriceTable;
import io.aijobs.schema.DeadLetterContent;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.TenantPolicy;
import io.aijobs.schema.TenantSpend;
import io.aijobs.schema.state.ExecutionStatus;
import io.aijobs.schema.state.JobExecutionState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdmissionPipelineTest {

    private final Map<String, JobExecutionState> states = new HashMap<>();
    private final Map<String, TenantPolicy> policies = new HashMap<>();
    private final Map<String, TenantSpend> spend = new HashMap<>();
    private JobRequest decoded;
    private final AdmissionPipeline pipeline = AdmissionPipeline.standard(TopicNames.defaults(),
            (topic, bytes) -> bytes == null ? null : decoded, new JobValidator(1000), UnknownModelPolicy.REJECT,
            PriceTable.parse("test-1", "USD", List.of("m=1.00:2.00")), model -> !model.equals("x"), new TenantPolicyEnforcer(true, DeadLetterContent.FULL),
            (tenant, jobId) -> states.get(tenant.value() + "/" + jobId), tenant -> policies.get(tenant.value()),
            tenant -> spend.get(tenant.value()));

    private static TenantPolicy.Builder policy() {
        return TenantPolicy.newBuilder().setTenantId("acme").setRetentionMs(1000L).setUpdatedAt(T0);
    }

    private static TenantSpend overHardLimit() {
        return TenantSpend.newBuilder().setTenantId("acme").setPeriod("2026-11").setSpentNanos(120L).setHardLimitNanos(100L)
                .setOverHardLimit(true).setUpdatedAt(T0).build();
    }

    private Admission admit(String topic, String key, JobRequest job) {
        decoded = job;
        return pipeline.admit(new Arrival(topic, 0, key, job == null ? null : new byte[] {1}, null, T0.toEpochMilli()));
    }

    private Admission admit(JobRequest job) {
        return admit(ACME_JOBS, job.getJobId(), job);
    }

    /** What stopped the job: a rejection's error type, "duplicate", or "admitted". */
    private static String outcome(Admission admission) {
        if (admission.verdict() instanceof Verdict.Reject reject) {
            return reject.failure().errorType();
        }
        return admission.verdict() instanceof Verdict.Duplicate ? "duplicate" : "admitted";
    }

    @Test
    void shouldRunTheStepsInTheDocumentedOrder() {
        assertThat(pipeline.steps()).containsExactly("tenant-of-topic", "decode", "contract", "tenant-match", "key", "deadline",
                "route", "price", "known-job", "tenant-policy", "budget");
    }

    @Test
    void shouldStopAtTheFirstStepThatDoesNotAdmitInTheDocumentedOrder() {
        // given a record that every step would refuse; each when-then mends the first refusal and meets the next
        states.put("acme/j-1", known("j-1", ExecutionStatus.COMPLETED, 1, 0));
        policies.put("acme", policy().setMaxInputBytes(2L).build());
        spend.put("acme", overHardLimit());
        JobRequest.Builder job = job("j-1").setTenantId("globex").setModel("x").setDeadline(T0).setMessages(List.of());
        List<String> outcomes = new ArrayList<>();

        Admission unknownTopic = admit("platform.usage", "other", job.build());
        outcomes.add(outcome(unknownTopic));
        Admission undecodable = admit(ACME_JOBS, "other", null);
        outcomes.add(outcome(undecodable));
        outcomes.add(outcome(admit(ACME_JOBS, "other", job.build())));
        job.setMessages(List.of(new io.aijobs.schema.ChatMessage("user", "hello")));
        outcomes.add(outcome(admit(ACME_JOBS, "other", job.build())));
        job.setTenantId("acme");
        outcomes.add(outcome(admit(ACME_JOBS, "other", job.build())));
        outcomes.add(outcome(admit(job.build())));
        job.setDeadline(null);
        outcomes.add(outcome(admit(job.build())));
        job.setModel("y");
        outcomes.add(outcome(admit(job.build())));
        job.setModel("m");
        outcomes.add(outcome(admit(job.build())));
        states.clear();
        outcomes.add(outcome(admit(job.build())));
        policies.put("acme", policy().build());
        outcomes.add(outcome(admit(job.build())));
        spend.clear();
        Admission admitted = admit(job.build());
        outcomes.add(outcome(admitted));

        assertThat(outcomes).containsExactly("unknown_topic", "null_value", "contract_violation", "tenant_mismatch", "key_mismatch",
                "deadline_passed", "no_route", "unknown_model_price", "duplicate", "input_too_large", "budget_hard_limit", "admitted");
        assertThat(unknownTopic.tenant()).as("a record on an unknown topic has no tenant").isNull();
        assertThat(undecodable.tenant()).isEqualTo(ACME);
        assertThat(undecodable.job()).isNull();
        assertThat(admitted.tenant()).isEqualTo(ACME);
        assertThat(admitted.job()).isEqualTo(job.build());
        assertThat(admitted.verdict()).isEqualTo(Verdict.admit());
    }

    @Test
    void shouldAskNoLaterCheckOnceOneRejects() {
        List<String> asked = new ArrayList<>();
        Failure first = Failure.rejection(FailureCategory.POLICY, "first", "first");
        AdmissionPipeline stubbed = new AdmissionPipeline(new TenantOfTopic(TopicNames.defaults()),
                new JobDecoding((topic, bytes) -> job("j-1").build()), List.of(
                        stub("admits", Verdict.admit(), asked),
                        stub("rejects", Verdict.reject(first), asked),
                        stub("rejects-too", Verdict.reject(Failure.rejection(FailureCategory.BUDGET, "second", "second")), asked)));

        Admission admission = stubbed.admit(new Arrival(ACME_JOBS, 0, "j-1", new byte[] {1}, null, T0.toEpochMilli()));

        assertThat(admission.verdict()).isEqualTo(Verdict.reject(first));
        assertThat(asked).containsExactly("admits", "rejects");
    }

    private static AdmissionCheck stub(String name, Verdict verdict, List<String> asked) {
        return new AdmissionCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Verdict check(Candidate candidate) {
                asked.add(name);
                return verdict;
            }
        };
    }

    @Test
    void shouldAdmitAReplayOfAFailedJobAsAReplayOnlyWhenTheLaterChecksAdmitIt() {
        JobExecutionState failed = known("j-1", ExecutionStatus.FAILED, 3, 0);
        states.put("acme/j-1", failed);
        policies.put("acme", policy().build());
        spend.put("acme", overHardLimit());
        JobRequest job = job("j-1").build();
        decoded = job;
        Arrival replay = new Arrival(ACME_JOBS, 0, "j-1", new byte[] {1}, "tenant.acme.dlt/0/7", T0.toEpochMilli());

        assertThat(outcome(pipeline.admit(replay))).isEqualTo("budget_hard_limit");
        spend.clear();
        assertThat(pipeline.admit(replay).verdict()).isEqualTo(new Verdict.Replay(failed));
    }

    @Test
    void shouldTakeNoRateLimitTokenForAJobAnEarlierCheckRefuses() {
        // one job per second, a burst of one
        policies.put("acme", policy().setRateLimitPerSecond(1.0).build());
        states.put("acme/known", known("known", ExecutionStatus.COMPLETED, 1, 0));

        assertThat(outcome(admit(job("late").setDeadline(T0).build()))).isEqualTo("deadline_passed");
        assertThat(outcome(admit(job("known").build()))).isEqualTo("duplicate");
        assertThat(outcome(admit(job("j-1").build()))).as("the one token is still there").isEqualTo("admitted");
        assertThat(outcome(admit(job("j-2").build()))).isEqualTo("rate_limited");
    }

    @Test
    void shouldTakeARateLimitTokenForAJobTheBudgetThenRefuses() {
        // the budget is checked after the tenant's policy, which takes the token: kept as it was (see the pipeline's order)
        policies.put("acme", policy().setRateLimitPerSecond(1.0).build());
        spend.put("acme", overHardLimit());

        assertThat(outcome(admit(job("j-1").build()))).isEqualTo("budget_hard_limit");
        spend.clear();
        assertThat(outcome(admit(job("j-2").build()))).isEqualTo("rate_limited");
    }
}
