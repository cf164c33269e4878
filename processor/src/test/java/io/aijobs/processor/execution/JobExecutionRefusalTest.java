package io.aijobs.processor.execution;

import io.aijobs.testing.DriverTopics;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.processor.ProcessorConfig.UnknownModelPolicy;
import io.aijobs.processor.admission.TenantPolicyEnforcer;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobEvent;
import io.aijobs.schema.JobEventType;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.JobRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.TestInputTopic;
import org.junit.jupiter.api.Test;

/** What the processor writes for a job admission refuses, through the whole topology: one dead letter, no model call (the checks themselves are unit-tested in {@code io.aijobs.processor.admission}). */
class JobExecutionRefusalTest extends ExecutionTopologyFixture {

    @Test
    void shouldDeadLetterUndecodableBytesWithTheOriginalBytes() {
        byte[] poison = {1, 2, 3, 4, 5, 6};

        acmeJobs.pipeInput("k", poison);

        JobFailure failure = acmeDlt.readValue();
        assertThat(failure.getCategory()).isEqualTo(FailureCategory.POISON);
        assertThat(failure.getTenantId()).isEqualTo("acme");
        assertThat(failure.getOriginalValue().array()).containsExactly(poison);
        assertThat(failure.getMessage()).contains("Unknown magic byte 0x01");
        assertThat(model.calls()).isEmpty();
    }

    @Test
    void shouldRejectAJobForAnotherTenantWithoutCallingTheModel() {
        submit(job("j-1", "globex"));

        JobFailure failure = acmeDlt.readValue();
        assertThat(failure.getCategory()).isEqualTo(FailureCategory.SECURITY);
        assertThat(failure.getTenantId()).isEqualTo("acme");
        assertThat(model.calls()).isEmpty();
    }

    @Test
    void shouldRejectARecordWhoseKeyIsNotItsJobId() {
        submit("other-key", job("j-1", "acme"));

        assertThat(acmeDlt.readValue().getErrorType()).isEqualTo("key_mismatch");
        assertThat(model.calls()).isEmpty();
    }

    @Test
    void shouldExpireAJobWhoseDeadlinePassed() {
        JobRequest late = job("j-1", "acme");
        late.setDeadline(T0.minusSeconds(1));
        late.setSubmittedAt(T0.minusSeconds(60));

        submit(late);

        assertThat(acmeDlt.readValue().getCategory()).isEqualTo(FailureCategory.EXPIRED);
        assertThat(model.calls()).isEmpty();
    }

    @Test
    void shouldRejectAnUnpricedModelWhenThePolicySaysSo() {
        driver.close();
        policy = UnknownModelPolicy.REJECT;
        startDriver();
        JobRequest job = job("j-1", "acme");
        job.setModel("unknown-model");

        submit(job);

        assertThat(acmeDlt.readValue().getErrorType()).isEqualTo("unknown_model_price");
        assertThat(model.calls()).isEmpty();
    }

    @Test
    void shouldRefuseAJobOfATenantOverItsHardLimitBeforeAnyCall() {
        TestInputTopic<String, io.aijobs.schema.TenantSpend> spend = DriverTopics.input(driver, topics.tenantSpend());
        io.aijobs.schema.TenantSpend over = io.aijobs.schema.TenantSpend.newBuilder().setTenantId("acme").setPeriod("2026-11")
                .setSpentNanos(1_000).setBudgetNanos(1_000L).setHardLimitNanos(1_000L).setOverHardLimit(true).setUpdatedAt(T0).build();

        submit(job("j-0", "acme"));
        model.last().succeed(1, 1);
        tick();
        events.readRecordsToList();
        spend.pipeInput("acme", over);
        submit(job("j-1", "acme"));
        // a duplicate of a job that already ran stays a duplicate, not a BUDGET dead letter
        submit(job("j-0", "acme"));

        assertThat(events.readValuesToList()).extracting(JobEvent::getType)
                .containsExactly(JobEventType.DEAD_LETTERED, JobEventType.DUPLICATE);
        JobFailure failure = acmeDlt.readValue();
        assertThat(failure.getCategory()).isEqualTo(FailureCategory.BUDGET);
        assertThat(failure.getErrorType()).isEqualTo("budget_hard_limit");
        assertThat(acmeDlt.isEmpty()).isTrue();
        assertThat(model.calls()).hasSize(1);

        // last month's overrun does not block this month
        over.setPeriod("2026-10");
        spend.pipeInput("acme", over);
        submit(job("j-2", "acme"));
        assertThat(model.calls()).hasSize(2);
    }

    @Test
    void shouldDeadLetterAQueuedJobAsBudgetWithoutACallWhenItsTenantReachedTheHardLimitWhileItWaited() {
        TestInputTopic<String, io.aijobs.schema.TenantSpend> spend = DriverTopics.input(driver, topics.tenantSpend());
        submit(job("j-0", "acme"));
        submit(job("j-1", "acme"));
        submit(job("j-2", "acme"));
        assertThat(model.calls()).as("two slots: j-2 waits").hasSize(2);
        acmeDlt.readRecordsToList();

        spend.pipeInput("acme", io.aijobs.schema.TenantSpend.newBuilder().setTenantId("acme").setPeriod("2026-11")
                .setSpentNanos(1_000).setBudgetNanos(1_000L).setHardLimitNanos(1_000L).setOverHardLimit(true).setUpdatedAt(T0).build());
        model.calls().get(0).succeed(1, 1);
        tick();

        assertThat(model.calls()).as("the freed slot makes no call for j-2").hasSize(2);
        JobFailure failure = acmeDlt.readValue();
        assertThat(failure.getJobId()).isEqualTo("j-2");
        assertThat(failure.getCategory()).isEqualTo(FailureCategory.BUDGET);
        assertThat(failure.getAttempts()).isZero();
        assertThat(failure.getOriginalValue()).as("the job can be replayed from its dead letter").isNotNull();
    }

    @Test
    void shouldDeadLetterAQueuedJobAsExpiredWithoutACallWhenItsDeadlinePassedWhileItWaited() {
        submit(job("j-0", "acme"));
        submit(job("j-1", "acme"));
        JobRequest late = job("j-2", "acme");
        late.setDeadline(T0.plusSeconds(5));
        submit(late);
        assertThat(model.calls()).as("two slots: j-2 waits").hasSize(2);

        driver.advanceWallClockTime(java.time.Duration.ofSeconds(6));
        model.calls().get(0).succeed(1, 1);
        tick();

        assertThat(model.calls()).as("the freed slot makes no call for j-2").hasSize(2);
        JobFailure failure = acmeDlt.readValue();
        assertThat(failure.getJobId()).isEqualTo("j-2");
        assertThat(failure.getCategory()).isEqualTo(FailureCategory.EXPIRED);
        assertThat(failure.getMessage()).contains("passed while the job waited for a call slot");
        assertThat(failure.getAttempts()).isZero();
    }

    @Test
    void shouldRefuseByTenantPolicyBeforeAnyCallModelsInputSizeAndRate() {
        policies().pipeInput("acme", acmePolicy().setAllowedModels(List.of("m")).setMaxInputBytes(10L).setRateLimitPerSecond(2.0).build());

        JobRequest otherModel = job("j-1", "acme");
        otherModel.setModel("gpt-expensive");
        submit(otherModel);
        JobRequest tooLong = job("j-2", "acme");
        tooLong.setMessages(List.of(new ChatMessage("user", "more than ten bytes")));
        submit(tooLong);
        // a burst of one second at 2 jobs/s: two pass, the third is refused; half a second later one more passes
        submit(job("j-3", "acme"));
        submit(job("j-4", "acme"));
        submit(job("j-5", "acme"));
        model.calls().get(0).succeed(1, 1);
        model.calls().get(1).succeed(1, 1);
        driver.advanceWallClockTime(Duration.ofMillis(500));
        submit(job("j-6", "acme"));

        assertThat(acmeDlt.readValuesToList()).extracting(JobFailure::getJobId, JobFailure::getCategory, JobFailure::getErrorType)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("j-1", FailureCategory.POLICY, "model_not_allowed"),
                        org.assertj.core.groups.Tuple.tuple("j-2", FailureCategory.POLICY, "input_too_large"),
                        org.assertj.core.groups.Tuple.tuple("j-5", FailureCategory.POLICY, "rate_limited"));
        assertThat(model.calls()).extracting(call -> call.idempotencyKey()).containsExactly("j-3-1", "j-4-1", "j-6-1");
    }

    @Test
    void shouldRefuseAnUnprovisionedTenantAsSecurityWhenPoliciesAreRequired() {
        driver.close();
        enforcer = new TenantPolicyEnforcer(true, io.aijobs.schema.DeadLetterContent.FULL);
        startDriver();

        var platformDlt = DriverTopics.output(driver, topics.platformDeadLetter());

        submit(job("j-1", "acme"));
        policies().pipeInput("acme", acmePolicy().build());
        submit(job("j-2", "acme"));

        // an unprovisioned tenant's own topics are not trusted: its dead letter goes to the platform's
        assertThat(acmeDlt.isEmpty()).isTrue();
        assertThat(platformDlt.readValuesToList()).singleElement().satisfies(failure -> {
            assertThat(failure.getJobId()).isEqualTo("j-1");
            assertThat(failure.getTenantId()).isEqualTo("acme");
            assertThat(failure.getCategory()).isEqualTo(FailureCategory.SECURITY);
            assertThat(failure.getErrorType()).isEqualTo("unknown_tenant");
        });
        assertThat(model.calls()).extracting(call -> call.idempotencyKey()).containsExactly("j-2-1");
    }

    @Test
    void shouldKeepOnlyAHashOfTheContentInDeadLettersWhenThePolicySaysSo() throws Exception {
        policies().pipeInput("acme", acmePolicy().setAllowedModels(List.of("m"))
                .setDeadLetterContent(io.aijobs.schema.DeadLetterContent.HASH).build());
        JobRequest otherModel = job("j-1", "acme");
        otherModel.setModel("other");
        byte[] bytes = topics.jobs(ACME).serializeValue(otherModel);
        acmeJobs.pipeInput("j-1", bytes);

        var record = acmeDlt.readRecord();
        assertThat(record.value().getOriginalValue()).isNull();
        assertThat(new String(record.headers().lastHeader("aijobs.content-sha256").value(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes)));
        assertThat(record.value().getMessage()).doesNotContain("hello");
    }
}
