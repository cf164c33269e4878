package io.aijobs.processor.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.contracts.JobHeaders;
import io.aijobs.model.ModelOutcome;
import io.aijobs.processor.tracing.JobTracing;
import io.aijobs.schema.JobRequest;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/** The processor's spans and W3C trace context on TopologyTestDriver, exported to the SDK's in-memory exporter. */
class JobExecutionTracingTest extends ExecutionTopologyFixture {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String UPSTREAM_SPAN = "00f067aa0ba902b7";
    private static final String TRACEPARENT = "00-" + TRACE + "-" + UPSTREAM_SPAN + "-01";

    private void submitTraced(JobRequest job, String traceparent) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(JobHeaders.TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
        headers.add(JobHeaders.TRACESTATE, "vendor=abc".getBytes(StandardCharsets.UTF_8));
        acmeJobs.pipeInput(new TestRecord<>(job.getJobId(), topics.jobs(ACME).serializeValue(job), headers, T0));
    }

    private List<SpanData> named(String name) {
        return spans.getFinishedSpanItems().stream().filter(span -> span.getName().equals(name)).toList();
    }

    private static String traceparentOf(TestRecord<String, ?> record) {
        return header(record, JobHeaders.TRACEPARENT);
    }

    @Test
    void shouldContinueTheJobsTraceAndSendTheCallsSpanToTheModelService() {
        submitTraced(job("j-1", "acme"), TRACEPARENT);
        ManualModelClient.Call call = model.last();
        call.succeed(100, 20);
        tick();

        SpanData job = named(JobTracing.JOB_SPAN).get(0);
        SpanData chat = named("chat m").get(0);
        assertThat(job.getTraceId()).isEqualTo(TRACE);
        assertThat(job.getParentSpanId()).isEqualTo(UPSTREAM_SPAN);
        assertThat(job.getSpanContext().getTraceState().get("vendor")).isEqualTo("abc");
        assertThat(job.getAttributes().get(JobTracing.OUTCOME)).isEqualTo("completed");
        assertThat(chat.getParentSpanId()).isEqualTo(job.getSpanId());
        assertThat(chat.getTraceId()).isEqualTo(TRACE);
        // the model service is sent the call's span as its parent
        assertThat(call.traceHeaders().get("traceparent")).isEqualTo("00-" + TRACE + "-" + chat.getSpanId() + "-01");
        assertThat(chat.getAttributes().get(JobTracing.GEN_AI_OPERATION)).isEqualTo("chat");
        assertThat(chat.getAttributes().get(JobTracing.GEN_AI_REQUEST_MODEL)).isEqualTo("m");
        assertThat(chat.getAttributes().get(JobTracing.GEN_AI_INPUT_TOKENS)).isEqualTo(100L);
        assertThat(chat.getAttributes().get(JobTracing.GEN_AI_OUTPUT_TOKENS)).isEqualTo(20L);
        assertThat(chat.getAttributes().get(JobTracing.GEN_AI_FINISH_REASONS)).containsExactly("stop");
        // the records carry the context: results and events the job's span, usage the call's
        assertThat(traceparentOf(acmeResults.readRecord())).isEqualTo("00-" + TRACE + "-" + job.getSpanId() + "-01");
        assertThat(traceparentOf(usage.readRecord())).isEqualTo("00-" + TRACE + "-" + chat.getSpanId() + "-01");
        assertThat(events.readRecordsToList()).allSatisfy(event ->
                assertThat(traceparentOf(event)).isEqualTo("00-" + TRACE + "-" + job.getSpanId() + "-01"));
        // never the prompt or the output
        assertThat(spans.getFinishedSpanItems()).allSatisfy(span -> span.getAttributes().forEach((key, value) ->
                assertThat(String.valueOf(value)).doesNotContain("hello").doesNotContain("answer to")));
    }

    @Test
    void shouldStartATraceForAJobThatCarriesNone() {
        submit(job("j-1", "acme"));
        model.last().succeed(1, 1);
        tick();

        SpanData job = named(JobTracing.JOB_SPAN).get(0);
        assertThat(job.getParentSpanContext().isValid()).isFalse();
        // flags: sampled, and (for a trace started here) the W3C level-2 "random trace id" bit
        assertThat(traceparentOf(acmeResults.readRecord())).startsWith("00-" + job.getTraceId() + "-" + job.getSpanId() + "-");
        assertThat(model.last().traceHeaders().get("traceparent")).startsWith("00-" + job.getTraceId() + "-");
    }

    @Test
    void shouldRecordEachAttemptAndTheRetryWaitWithItsReason() {
        submitTraced(job("j-1", "acme"), TRACEPARENT);
        model.last().fail(unavailable());
        tick();
        driver.advanceWallClockTime(Duration.ofMillis(1100));
        model.last().succeed(1, 1);
        tick();

        SpanData job = named(JobTracing.JOB_SPAN).get(0);
        List<SpanData> calls = named("chat m");
        assertThat(calls).hasSize(2).allSatisfy(call -> assertThat(call.getParentSpanId()).isEqualTo(job.getSpanId()));
        assertThat(calls.get(0).getAttributes().get(JobTracing.ATTEMPT)).isEqualTo(1L);
        assertThat(calls.get(0).getAttributes().get(JobTracing.ERROR_TYPE)).isEqualTo("http_503");
        assertThat(calls.get(0).getAttributes().get(JobTracing.HTTP_STATUS)).isEqualTo(503L);
        assertThat(calls.get(0).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(calls.get(1).getAttributes().get(JobTracing.ATTEMPT)).isEqualTo(2L);
        assertThat(calls.get(1).getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        SpanData wait = named(JobTracing.RETRY_WAIT_SPAN).get(0);
        assertThat(wait.getParentSpanId()).isEqualTo(job.getSpanId());
        assertThat(wait.getAttributes().get(JobTracing.WAIT_REASON)).isEqualTo("http_503");
        assertThat(wait.getAttributes().get(JobTracing.CATEGORY)).isEqualTo("TRANSIENT");
        // from the failed call's end, the job's retry scheduled, to the release a second later
        assertThat(Duration.ofNanos(wait.getEndEpochNanos() - wait.getStartEpochNanos())).isBetween(Duration.ofMillis(1000), Duration.ofMillis(1200));
        assertThat(job.getAttributes().get(JobTracing.ATTEMPTS)).isEqualTo(2L);
    }

    @Test
    void shouldEndTheJobsSpanInErrorWhenItIsDeadLettered() {
        submitTraced(job("j-1", "acme"), TRACEPARENT);
        model.last().fail(new ModelOutcome.InvalidRequest(400, Optional.of("bad"), "bad request", Duration.ofMillis(2)));
        tick();

        SpanData job = named(JobTracing.JOB_SPAN).get(0);
        assertThat(job.getAttributes().get(JobTracing.OUTCOME)).isEqualTo("dead_lettered");
        assertThat(job.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(traceparentOf(acmeDlt.readRecord())).isEqualTo("00-" + TRACE + "-" + job.getSpanId() + "-01");
    }

    @Test
    void shouldRecordTheQueueWaitOfAJobThatWaitedForASlot() {
        // two slots: the third job waits until the first call ends
        submit(job("j-1", "acme"));
        submit(job("j-2", "acme"));
        submit(job("j-3", "acme"));
        driver.advanceWallClockTime(Duration.ofMillis(300));
        model.calls().get(0).succeed(1, 1);
        tick();

        assertThat(model.calls()).hasSize(3);
        model.calls().get(2).succeed(1, 1);
        tick();

        List<SpanData> waits = named(JobTracing.QUEUE_WAIT_SPAN);
        assertThat(waits).as("j-3's wait; j-1 and j-2 started at once").hasSize(1);
        SpanData third = named(JobTracing.JOB_SPAN).stream().filter(span -> "j-3".equals(span.getAttributes().get(JobTracing.JOB_ID)))
                .findFirst().orElseThrow();
        assertThat(waits.get(0).getParentSpanId()).isEqualTo(third.getSpanId());
        assertThat(Duration.ofNanos(waits.get(0).getEndEpochNanos() - waits.get(0).getStartEpochNanos())).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }
}
