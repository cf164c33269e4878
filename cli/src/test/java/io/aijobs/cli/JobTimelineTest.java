package io.aijobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.schema.CallOutcome;
import io.aijobs.schema.Cost;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobEvent;
import io.aijobs.schema.JobEventType;
import io.aijobs.schema.ModelCallUsage;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobTimelineTest {

    private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

    private static JobEvent event(JobEventType type, long atMs, int attempt, FailureCategory category, String detail) {
        return JobEvent.newBuilder().setJobId("j-1").setTenantId("acme").setType(type).setAt(T0.plusMillis(atMs)).setAttempt(attempt)
                .setCategory(category).setDetail(detail).build();
    }

    private static ModelCallUsage call(int attempt, CallOutcome outcome, Integer status, long startMs, long endMs, long costNanos) {
        return ModelCallUsage.newBuilder().setCallId("j-1-" + attempt).setJobId("j-1").setTenantId("acme").setModel("m").setAttempt(attempt)
                .setOutcome(outcome).setHttpStatus(status).setInputTokens(10).setOutputTokens(outcome == CallOutcome.SUCCESS ? 5 : 0)
                .setCost(Cost.newBuilder().setAmountNanos(costNanos).setCurrency("USD").setPricingVersion("v1").setPriced(true).build())
                .setProducedResult(outcome == CallOutcome.SUCCESS).setStartedAt(T0.plusMillis(startMs)).setCompletedAt(T0.plusMillis(endMs))
                .setLatencyMs(endMs - startMs).setJobSubmittedAt(T0.minusMillis(100)).setEndpoint("default").build();
    }

    @Test
    void shouldOrderEventsAndCallsInTimeAndTotalDurationAndCost() {
        JobTimeline timeline = new JobTimeline("acme", "j-1", List.of(
                event(JobEventType.COMPLETED, 1_400, 2, null, null),
                event(JobEventType.STARTED, 0, 1, null, null),
                event(JobEventType.RETRY_SCHEDULED, 200, 1, FailureCategory.TRANSIENT, "http_503; attempt 2 of 8 due 2026-12-02T10:00:01.200Z"),
                event(JobEventType.STARTED, 1_200, 2, null, null)),
                List.of(call(2, CallOutcome.SUCCESS, 200, 1_200, 1_400, 20_000), call(1, CallOutcome.SERVER_ERROR, 503, 0, 200, 10_000)),
                "4bf92f3577b34da6a3ce929d0e0e4736");

        List<String> lines = timeline.render();

        assertThat(timeline.ended()).isTrue();
        assertThat(lines.get(0)).isEqualTo("Job j-1 of tenant acme, trace 4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(lines.subList(1, lines.size() - 1)).extracting(line -> line.substring(line.indexOf('Z') + 3)).containsExactly(
                "submitted",
                "received, attempt 1 started",
                "attempt 1 ended: SERVER_ERROR, HTTP 503, 200 ms, 10 in / 0 out tokens, cost 0.000010000 USD, endpoint default",
                "retry wait: TRANSIENT, http_503; attempt 2 of 8 due 2026-12-02T10:00:01.200Z",
                "attempt 2 started",
                "attempt 2 ended: SUCCESS, HTTP 200, 200 ms, 10 in / 5 out tokens, cost 0.000020000 USD, endpoint default",
                "result written");
        // times count from the submission, 100 ms before the first event
        assertThat(lines.get(3)).startsWith("   +0.300 s  2026-12-02T10:00:00.200Z");
        // from submission (100 ms before the first event) to the result, and both calls' cost
        assertThat(lines.get(lines.size() - 1)).isEqualTo("Total: 1.500 s from submission to result; 2 call(s), cost 0.000030000 USD");
    }

    @Test
    void shouldSayAJobThatHasNotEndedIsStillInProgress() {
        JobTimeline timeline = new JobTimeline("acme", "j-1", List.of(event(JobEventType.RECEIVED, 0, 0, null, "queued")), List.of(), null);

        assertThat(timeline.ended()).isFalse();
        assertThat(timeline.render()).containsExactly("Job j-1 of tenant acme", "   +0.000 s  2026-12-02T10:00:00Z  received (queued)",
                "Total: still in progress; 0 call(s), cost 0.000000000 USD");
    }
}
