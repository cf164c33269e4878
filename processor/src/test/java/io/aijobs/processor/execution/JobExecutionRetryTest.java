package io.aijobs.processor.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.contracts.JobHeaders;
import io.aijobs.processor.JobTopology;
import io.aijobs.model.ModelOutcome;
import io.aijobs.schema.CallOutcome;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobEventType;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.JobRetry;
import io.aijobs.schema.ModelCallUsage;
import io.aijobs.schema.state.ExecutionStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/** Retries on TopologyTestDriver: parking, back-off, Retry-After, attempts used up, deadlines, and replays of dead letters. */
class JobExecutionRetryTest extends ExecutionTopologyFixture {

    @Test
    void shouldParkATransientFailureAndRetryItWhenDueWithTheNextAttempt() {
        submit(job("j-1", "acme"));
        model.last().fail(unavailable());
        tick();

        TestRecord<String, JobRetry> retry = transientRetries.readRecord();
        assertThat(retry.key()).isEqualTo("j-1");
        assertThat(retry.value().getCategory()).isEqualTo(FailureCategory.TRANSIENT);
        assertThat(retry.value().getFailedAttempt()).isEqualTo(1);
        assertThat(retry.value().getNextAttempt()).isEqualTo(2);
        assertThat(retry.value().getMaxAttempts()).isEqualTo(3);
        assertThat(retry.value().getErrorType()).isEqualTo("http_503");
        assertThat(retry.value().getDelayMs()).isEqualTo(1000);
        long dueAt = retry.value().getDueAt().toEpochMilli();
        assertThat(header(retry, JobHeaders.RETRY_DUE_AT)).isEqualTo(Long.toString(dueAt));
        assertThat(header(retry, JobHeaders.ATTEMPT)).isEqualTo("1");
        assertThat(header(retry, JobHeaders.CATEGORY)).isEqualTo("TRANSIENT");
        assertThat(header(retry, JobHeaders.STREAMS_ERRORS_TOPIC)).isEqualTo("tenant.acme.jobs");
        assertThat(state("j-1").getStatus()).isEqualTo(ExecutionStatus.RETRY_WAIT);
        assertThat(state("j-1").getDueAt()).isEqualTo(dueAt);
        assertThat(usage.readValue().getOutcome()).isEqualTo(CallOutcome.SERVER_ERROR);
        assertThat(eventTypes()).containsExactly(JobEventType.STARTED, JobEventType.RETRY_SCHEDULED);

        // not before it is due...
        driver.advanceWallClockTime(Duration.ofMillis(700));
        assertThat(model.calls()).hasSize(1);
        // ...then with the next attempt's key, and the result counts both attempts
        driver.advanceWallClockTime(Duration.ofMillis(400));
        assertThat(model.calls()).hasSize(2);
        assertThat(model.last().idempotencyKey()).isEqualTo("j-1-2");
        model.last().succeed(1, 1);
        tick();

        JobResult result = acmeResults.readValue();
        assertThat(result.getAttempts()).isEqualTo(2);
        assertThat(acmeDlt.isEmpty()).isTrue();
        assertThat(state("j-1").getStatus()).isEqualTo(ExecutionStatus.COMPLETED);
        assertThat(driver.<String, String>getKeyValueStore(JobTopology.RETRY_TIMERS_STORE).approximateNumEntries()).isZero();
    }

    @Test
    void shouldBackOffExponentiallyAndDeadLetterWhenTheAttemptsAreUsedUp() {
        submit(job("j-1", "acme"));
        model.last().fail(unavailable());
        tick();
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        model.last().fail(unavailable());
        tick();
        driver.advanceWallClockTime(Duration.ofSeconds(2));
        assertThat(model.calls()).hasSize(3);
        model.last().fail(unavailable());
        tick();

        assertThat(transientRetries.readValuesToList()).extracting(JobRetry::getDelayMs).containsExactly(1000L, 2000L);
        TestRecord<String, JobFailure> dead = acmeDlt.readRecord();
        assertThat(dead.value().getCategory()).isEqualTo(FailureCategory.TRANSIENT);
        assertThat(dead.value().getAttempts()).isEqualTo(3);
        assertThat(dead.value().getMessage()).startsWith("gave up after 3 attempt(s)");
        assertThat(dead.value().getFirstFailureAt()).isBefore(dead.value().getLastFailureAt());
        assertThat(dead.value().getOriginalValue()).isNotNull();
        assertThat(header(dead, JobHeaders.ATTEMPT)).isEqualTo("3");
        assertThat(header(dead, JobHeaders.STREAMS_ERRORS_EXCEPTION)).isEqualTo("http_503");
        assertThat(state("j-1").getStatus()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(usage.readValuesToList()).hasSize(3).noneMatch(ModelCallUsage::getProducedResult);
    }

    @Test
    void shouldNeverRetryEarlierThanRetryAfter() {
        submit(job("j-1", "acme"));
        model.last().fail(new ModelOutcome.RateLimited(Optional.of(Duration.ofSeconds(5)), Duration.ofMillis(2)));
        tick();

        JobRetry retry = rateLimitedRetries.readValue();
        assertThat(retry.getRetryAfterMs()).isEqualTo(5000L);
        assertThat(retry.getDelayMs()).isEqualTo(5000L);
        driver.advanceWallClockTime(Duration.ofMillis(4900));
        assertThat(model.calls()).hasSize(1);
        driver.advanceWallClockTime(Duration.ofMillis(200));
        assertThat(model.calls()).hasSize(2);
    }

    @Test
    void shouldDeadLetterAPermanentFailureAfterOneAttemptWithoutARetryRecord() {
        submit(job("j-1", "acme"));
        model.last().fail(new ModelOutcome.Refusal("m", "content_filter", 10, 0, 0, Duration.ofMillis(2)));
        tick();
        driver.advanceWallClockTime(Duration.ofMinutes(1));

        assertThat(model.calls()).hasSize(1);
        assertThat(transientRetries.isEmpty()).isTrue();
        assertThat(acmeDlt.readValue().getCategory()).isEqualTo(FailureCategory.PERMANENT);
    }

    @Test
    void shouldExpireInsteadOfRetryingPastTheDeadline() {
        JobRequest soon = job("j-1", "acme");
        soon.setDeadline(T0.plusMillis(500));
        submit(soon);
        model.last().fail(unavailable());
        tick();

        JobFailure dead = acmeDlt.readValue();
        assertThat(dead.getCategory()).isEqualTo(FailureCategory.EXPIRED);
        assertThat(dead.getErrorType()).isEqualTo("http_503");
        assertThat(transientRetries.isEmpty()).isTrue();
    }

    @Test
    void shouldTreatADuplicateOfAJobWaitingToRetryAsADuplicate() {
        submit(job("j-1", "acme"));
        model.last().fail(unavailable());
        tick();
        events.readRecordsToList();

        submit(job("j-1", "acme"));

        assertThat(events.readValue().getDetail()).isEqualTo("already RETRY_WAIT");
        assertThat(model.calls()).hasSize(1);
    }

    @Test
    void shouldRunAReplayedFailedJobOnceAndIgnoreAReplayOfACompletedOne() {
        submit(job("j-1", "acme"));
        model.last().fail(new ModelOutcome.InvalidRequest(400, Optional.empty(), "bad", Duration.ofMillis(1)));
        tick();
        JobFailure dead = acmeDlt.readValue();

        org.apache.kafka.common.header.internals.RecordHeaders replay = new org.apache.kafka.common.header.internals.RecordHeaders();
        replay.add(JobHeaders.REPLAY_OF, "tenant.acme.dlt/0/0".getBytes(StandardCharsets.UTF_8));
        acmeJobs.pipeInput(new TestRecord<>("j-1", dead.getOriginalValue().array(), replay));
        acmeJobs.pipeInput(new TestRecord<>("j-1", dead.getOriginalValue().array(), replay));
        assertThat(model.calls()).hasSize(2);
        assertThat(model.last().idempotencyKey()).as("a replay never reuses a failed call's key").isEqualTo("j-1-2");
        assertThat(state("j-1").getReplays()).isEqualTo(1);
        model.last().succeed(1, 1);
        tick();
        acmeJobs.pipeInput(new TestRecord<>("j-1", dead.getOriginalValue().array(), replay));

        assertThat(acmeResults.readValuesToList()).hasSize(1);
        assertThat(model.calls()).hasSize(2);
    }

    @Test
    void shouldIgnoreTheReplayHeaderOnAJobThatNeverFailed() {
        org.apache.kafka.common.header.internals.RecordHeaders replay = new org.apache.kafka.common.header.internals.RecordHeaders();
        replay.add(JobHeaders.REPLAY_OF, "x/0/0".getBytes(StandardCharsets.UTF_8));
        submit(job("j-1", "acme"));
        model.last().succeed(1, 1);
        tick();

        acmeJobs.pipeInput(new TestRecord<>("j-1", topics.jobs(ACME).serializeValue(job("j-1", "acme")), replay));

        assertThat(model.calls()).hasSize(1);
    }
}
