package io.aijobs.processor.execution;

import io.aijobs.testing.DriverTopics;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.contracts.JobHeaders;
import io.aijobs.processor.admission.TenantPolicyEnforcer;
import io.aijobs.model.ModelOutcome;
import io.aijobs.schema.CallOutcome;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobEventType;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.ModelCallUsage;
import io.aijobs.schema.state.ExecutionStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/** The execution state machine on TopologyTestDriver: calls, completions, the start queue, duplicates, pricing. */
class JobExecutionProcessorTest extends ExecutionTopologyFixture {

    @Test
    void shouldMarkANewJobInFlightAndCallTheModelWithTheIdempotencyKey() {
        submit(job("j-1", "acme"));

        assertThat(model.calls()).singleElement().satisfies(call -> assertThat(call.idempotencyKey()).isEqualTo("j-1-1"));
        assertThat(state("j-1").getStatus()).isEqualTo(ExecutionStatus.IN_FLIGHT);
        assertThat(state("j-1").getAttempt()).isEqualTo(1);
        assertThat(eventTypes()).containsExactly(JobEventType.STARTED);
        assertThat(acmeResults.isEmpty()).isTrue();
    }

    @Test
    void shouldWriteResultUsageAndCompletedWhenTheCallSucceeds() {
        submit(job("j-1", "acme"));
        model.last().succeed(1000, 500);

        tick();

        TestRecord<String, JobResult> result = acmeResults.readRecord();
        assertThat(result.key()).isEqualTo("j-1");
        assertThat(result.value().getOutput()).isEqualTo("answer to j-1");
        // 1000 input tokens at 1.00/M + 500 output tokens at 2.00/M = 0.002 USD = 2,000,000 nanos
        assertThat(result.value().getCost().getAmountNanos()).isEqualTo(2_000_000L);
        assertThat(result.value().getCost().getPricingVersion()).isEqualTo("test-1");
        assertThat(result.value().getAttempts()).isEqualTo(1);
        assertThat(new String(result.headers().lastHeader(JobHeaders.TENANT).value(), StandardCharsets.UTF_8)).isEqualTo("acme");
        ModelCallUsage call = usage.readValue();
        assertThat(call.getCallId()).isEqualTo("j-1-1");
        assertThat(call.getProducedResult()).isTrue();
        assertThat(call.getOutcome()).isEqualTo(CallOutcome.SUCCESS);
        assertThat(eventTypes()).containsExactly(JobEventType.STARTED, JobEventType.COMPLETED);
        assertThat(state("j-1").getStatus()).isEqualTo(ExecutionStatus.COMPLETED);
        assertThat(state("j-1").getRequestBytes()).isNull();
    }

    @Test
    void shouldNotCallTheModelAgainForACompletedJobAndEmitADuplicateEvent() {
        submit(job("j-1", "acme"));
        model.last().succeed(1, 1);
        tick();
        acmeResults.readRecordsToList();
        events.readRecordsToList();

        submit(job("j-1", "acme"));
        tick();

        assertThat(model.calls()).hasSize(1);
        assertThat(acmeResults.isEmpty()).isTrue();
        assertThat(events.readValue()).satisfies(event -> {
            assertThat(event.getType()).isEqualTo(JobEventType.DUPLICATE);
            assertThat(event.getDetail()).isEqualTo("already COMPLETED");
        });
    }

    @Test
    void shouldAbsorbADuplicateOfAnInFlightJob() {
        submit(job("j-1", "acme"));
        submit(job("j-1", "acme"));
        model.last().succeed(1, 1);
        tick();

        assertThat(model.calls()).hasSize(1);
        assertThat(acmeResults.readRecordsToList()).hasSize(1);
    }

    @Test
    void shouldQueueJobsBeyondMaxInFlightAndStartThemWhenSlotsFree() {
        submit(job("j-1", "acme"));
        submit(job("j-2", "acme"));
        submit(job("j-3", "acme"));

        assertThat(model.calls()).hasSize(2);
        assertThat(state("j-3").getStatus()).isEqualTo(ExecutionStatus.QUEUED);
        assertThat(eventTypes()).containsExactly(JobEventType.STARTED, JobEventType.STARTED, JobEventType.RECEIVED);

        model.calls().get(0).succeed(1, 1);
        tick();

        assertThat(model.calls()).hasSize(3);
        assertThat(model.last().idempotencyKey()).isEqualTo("j-3-1");
        assertThat(state("j-3").getStatus()).isEqualTo(ExecutionStatus.IN_FLIGHT);
    }

    @Test
    void shouldDeadLetterAFailedCallWithItsCategoryAndRecordItsUsage() {
        submit(job("j-1", "acme"));
        model.last().fail(new ModelOutcome.InvalidRequest(400, Optional.of("context_length_exceeded"), "too long", Duration.ofMillis(5)));
        tick();

        JobFailure failure = acmeDlt.readValue();
        assertThat(failure.getCategory()).isEqualTo(FailureCategory.PERMANENT);
        assertThat(failure.getErrorType()).isEqualTo("http_400");
        assertThat(failure.getErrorCode()).isEqualTo("context_length_exceeded");
        assertThat(failure.getAttempts()).isEqualTo(1);
        assertThat(failure.getOrigin().getTopic()).isEqualTo("tenant.acme.jobs");
        ModelCallUsage call = usage.readValue();
        assertThat(call.getProducedResult()).isFalse();
        assertThat(call.getOutcome()).isEqualTo(CallOutcome.INVALID_REQUEST);
        assertThat(state("j-1").getStatus()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(acmeResults.isEmpty()).isTrue();
    }

    @Test
    void shouldMarkTheCostUnpricedInsteadOfZeroForAnUnknownModel() {
        JobRequest job = job("j-1", "acme");
        job.setModel("unknown-model");
        submit(job);
        model.last().succeed(100, 100);
        tick();

        JobResult result = acmeResults.readValue();
        assertThat(result.getCost().getPriced()).isFalse();
        assertThat(result.getCost().getPricingVersion()).isNull();
    }

    @Test
    void shouldForgetFinishedJobsAfterTheDedupHorizon() {
        submit(job("j-1", "acme"));
        model.last().succeed(1, 1);
        tick();

        driver.advanceWallClockTime(Duration.ofDays(1).plusMinutes(2));
        submit(job("j-1", "acme"));

        assertThat(model.calls()).hasSize(2);
    }

    @Test
    void shouldNotWriteToTheTopicsOfATenantDeletedWhileItsCallWasOpen() {
        driver.close();
        enforcer = new TenantPolicyEnforcer(true, io.aijobs.schema.DeadLetterContent.FULL);
        startDriver();
        policies().pipeInput("acme", acmePolicy().build());
        submit(job("j-1", "acme"));

        policies().pipeInput("acme", null);
        model.last().succeed(1, 1);
        tick();

        assertThat(acmeResults.isEmpty()).as("the deleted tenant's results topic is not written").isTrue();
        assertThat(usage.readValuesToList()).as("the paid call is still recorded").hasSize(1);
    }

    @Test
    void shouldPriceWithThePricesTopicsEntryInEffectAtCompletion() {
        TestInputTopic<String, io.aijobs.schema.ModelPrice> prices = DriverTopics.input(driver, topics.prices());
        prices.pipeInput("m@past", io.aijobs.schema.ModelPrice.newBuilder().setModel("m").setEffectiveFrom(T0.minusSeconds(3600))
                .setInputPerMillion("10.00").setOutputPerMillion("20.00").setVersion("topic-2").build());
        prices.pipeInput("m@future", io.aijobs.schema.ModelPrice.newBuilder().setModel("m").setEffectiveFrom(T0.plusSeconds(3600))
                .setInputPerMillion("99.00").setOutputPerMillion("99.00").setVersion("topic-3").build());

        submit(job("j-1", "acme"));
        model.last().succeed(1000, 500);
        tick();

        // 1000 at 10.00 per million + 500 at 20.00 per million = 0.02 = 20,000,000 nanos; the future entry does not apply
        JobResult result = acmeResults.readValue();
        assertThat(result.getCost().getAmountNanos()).isEqualTo(20_000_000L);
        assertThat(result.getCost().getPricingVersion()).isEqualTo("topic-2");
    }

    @Test
    void shouldPriceCachedInputTokensAtTheCachedPriceAndRecordThemAndTheSavingInTheResultAndUsage() {
        TestInputTopic<String, io.aijobs.schema.ModelPrice> prices = DriverTopics.input(driver, topics.prices());
        prices.pipeInput("m@past", io.aijobs.schema.ModelPrice.newBuilder().setModel("m").setEffectiveFrom(T0.minusSeconds(3600))
                .setInputPerMillion("0.50").setOutputPerMillion("3.00").setCachedInputPerMillion("0.05").setVersion("topic-2").build());

        submit(job("j-1", "acme"));
        model.last().succeed(20_212, 16_298, 931);
        tick();

        // 3,914 at 0.50 + 16,298 at 0.05 + 931 at 3.00 per million = 1,957,000 + 814,900 + 2,793,000 nanos
        JobResult result = acmeResults.readValue();
        assertThat(result.getCost().getAmountNanos()).isEqualTo(5_564_900L);
        assertThat(result.getInputTokens()).isEqualTo(20_212);
        assertThat(result.getCachedInputTokens()).isEqualTo(16_298);
        ModelCallUsage call = usage.readValue();
        assertThat(call.getCost().getAmountNanos()).isEqualTo(5_564_900L);
        assertThat(call.getInputTokens()).isEqualTo(20_212);
        assertThat(call.getCachedInputTokens()).isEqualTo(16_298);
        // 16,298 * (0.50 - 0.05) per million
        assertThat(call.getPromptCacheSavedNanos()).isEqualTo(7_334_100L);
    }

    @Test
    void shouldRecordTheCachedTokensOfARefusedCallInItsUsage() {
        submit(job("j-1", "acme"));
        model.last().fail(new io.aijobs.model.ModelOutcome.Refusal("m", "content_filter", 1_000, 600, 10, java.time.Duration.ofMillis(2)));
        tick();

        ModelCallUsage call = usage.readValue();
        assertThat(call.getProducedResult()).isFalse();
        assertThat(call.getCachedInputTokens()).isEqualTo(600);
        // the configured price m=1.00:2.00 has no cached price: cached tokens are billed as input, nothing saved
        assertThat(call.getCost().getAmountNanos()).isEqualTo(1_020_000L);
        assertThat(call.getPromptCacheSavedNanos()).isZero();
    }
}
