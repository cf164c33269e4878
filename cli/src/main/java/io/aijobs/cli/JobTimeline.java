package io.aijobs.cli;

import io.aijobs.schema.CallOutcome;
import io.aijobs.schema.JobEvent;
import io.aijobs.schema.JobEventType;
import io.aijobs.schema.ModelCallUsage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One job's timeline, from its events ({@code platform.job-events}) and its calls' usage records ({@code platform.usage}):
 * received, queued, started; each attempt with its latency, HTTP status, outcome and cost; each retry wait with its
 * reason; the result or the dead letter; then the total duration and cost. Pure: the command reads the records.
 */
final class JobTimeline {

    private record Entry(Instant at, int rank, String text) {
    }

    private final String tenant;
    private final String jobId;
    private final List<JobEvent> events;
    private final List<ModelCallUsage> calls;
    private final String traceId;

    /** @param traceId the W3C trace id the job's records carry, or null */
    JobTimeline(String tenant, String jobId, List<JobEvent> events, List<ModelCallUsage> calls, String traceId) {
        this.tenant = tenant;
        this.jobId = jobId;
        this.events = List.copyOf(events);
        this.calls = List.copyOf(calls);
        this.traceId = traceId;
    }

    boolean isEmpty() {
        return events.isEmpty() && calls.isEmpty();
    }

    /** Whether the job has its result or its dead letter. */
    boolean ended() {
        return events.stream().anyMatch(event -> event.getType() == JobEventType.COMPLETED || event.getType() == JobEventType.DEAD_LETTERED);
    }

    List<String> render() {
        List<Entry> entries = new ArrayList<>();
        submitted().ifPresent(at -> entries.add(new Entry(at, -1, "submitted")));
        // a job that starts at once has no RECEIVED event: its first STARTED says "received and started"
        boolean receivedApart = events.stream().anyMatch(event -> event.getType() == JobEventType.RECEIVED);
        int firstStart = events.stream().filter(event -> event.getType() == JobEventType.STARTED).mapToInt(JobEvent::getAttempt).min().orElse(-1);
        for (JobEvent event : events) {
            Entry entry = entry(event);
            if (!receivedApart && event.getType() == JobEventType.STARTED && event.getAttempt() == firstStart) {
                entry = new Entry(entry.at(), entry.rank(), "received, " + entry.text());
            }
            entries.add(entry);
        }
        for (ModelCallUsage call : calls) {
            entries.add(new Entry(call.getCompletedAt(), 2, describe(call)));
        }
        entries.sort(Comparator.comparing(Entry::at).thenComparingInt(Entry::rank));
        List<String> lines = new ArrayList<>();
        lines.add("Job " + jobId + " of tenant " + tenant + (traceId == null ? "" : ", trace " + traceId));
        Instant first = entries.isEmpty() ? null : entries.get(0).at();
        for (Entry entry : entries) {
            lines.add(String.format("  %9s  %s  %s", "+" + seconds(Duration.between(first, entry.at())), entry.at(), entry.text()));
        }
        lines.add(total(first, entries.isEmpty() ? null : entries.get(entries.size() - 1).at()));
        return lines;
    }

    private static Entry entry(JobEvent event) {
        String detail = event.getDetail() == null ? "" : " (" + event.getDetail() + ")";
        return switch (event.getType()) {
            case RECEIVED -> new Entry(event.getAt(), 0, "received" + detail);
            case DUPLICATE -> new Entry(event.getAt(), 0, "duplicate received, no call" + detail);
            case STARTED -> new Entry(event.getAt(), 1, "attempt " + event.getAttempt() + " started" + detail);
            case RETRY_SCHEDULED -> new Entry(event.getAt(), 3, "retry wait: " + event.getCategory() + ", " + event.getDetail());
            case COMPLETED -> new Entry(event.getAt(), 4, "result written" + detail);
            case DEAD_LETTERED -> new Entry(event.getAt(), 4, "dead-lettered: " + event.getCategory() + detail);
            default -> new Entry(event.getAt(), 4, event.getType().name().toLowerCase(java.util.Locale.ROOT) + detail);
        };
    }

    private static String describe(ModelCallUsage call) {
        if (call.getOutcome() == CallOutcome.CACHE_HIT) {
            return "answered from the response cache, no call (saved " + usd(call.getResponseCacheSavedNanos()) + ")";
        }
        StringBuilder text = new StringBuilder("attempt " + call.getAttempt() + " ended: " + call.getOutcome());
        if (call.getHttpStatus() != null) {
            text.append(", HTTP ").append(call.getHttpStatus());
        }
        text.append(", ").append(call.getLatencyMs()).append(" ms");
        text.append(", ").append(call.getInputTokens()).append(" in / ").append(call.getOutputTokens()).append(" out tokens");
        text.append(", cost ").append(call.getCost().getPriced() ? usd(call.getCost().getAmountNanos()) + " " + call.getCost().getCurrency()
                : "unpriced");
        if (call.getBatchId() != null) {
            text.append(", batch ").append(call.getBatchId());
        }
        if (call.getEndpoint() != null) {
            text.append(", endpoint ").append(call.getEndpoint());
        }
        return text.toString();
    }

    private String total(Instant first, Instant last) {
        long cost = calls.stream().filter(call -> call.getCost().getPriced()).mapToLong(call -> call.getCost().getAmountNanos()).sum();
        String currency = calls.stream().map(call -> call.getCost().getCurrency()).findFirst().orElse("USD");
        long made = calls.stream().filter(call -> call.getOutcome() != CallOutcome.CACHE_HIT).count();
        Instant submitted = submitted().orElse(first);
        String end = events.stream().anyMatch(event -> event.getType() == JobEventType.COMPLETED) ? "result"
                : events.stream().anyMatch(event -> event.getType() == JobEventType.DEAD_LETTERED) ? "dead letter" : null;
        String duration = end == null || last == null || submitted == null ? "still in progress"
                : seconds(Duration.between(submitted, last)) + " from submission to " + end;
        return "Total: " + duration + "; " + made + " call(s), cost " + usd(cost) + " " + currency;
    }

    /** When the job was submitted, as its usage records say. */
    private java.util.Optional<Instant> submitted() {
        return calls.stream().map(ModelCallUsage::getJobSubmittedAt).filter(java.util.Objects::nonNull).findFirst();
    }

    private static String seconds(Duration duration) {
        return BigDecimal.valueOf(duration.toMillis(), 3).toPlainString() + " s";
    }

    private static String usd(long nanos) {
        return BigDecimal.valueOf(nanos, 9).toPlainString();
    }
}
