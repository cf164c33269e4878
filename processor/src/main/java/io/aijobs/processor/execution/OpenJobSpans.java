package io.aijobs.processor.execution;

import io.aijobs.processor.tracing.JobTracing;
import io.aijobs.schema.state.JobExecutionState;
import io.opentelemetry.api.trace.Span;
import java.util.HashMap;
import java.util.Map;

/**
 * The open spans of one task's jobs that have not ended, by state key. Touched by the task's stream thread only.
 */
final class OpenJobSpans {

    private final JobTracing tracing;
    private final Map<String, Span> spans = new HashMap<>();

    OpenJobSpans(JobTracing tracing) {
        this.tracing = tracing;
    }

    void opened(String key, Span span) {
        spans.put(key, span);
    }

    /** The job's open span here, or null. */
    Span open(String key) {
        return spans.get(key);
    }

    /**
     * The job's open span, or, for a job this life of the task did not receive, a span resuming its stored one, from the
     * job's receipt (the waits and calls recorded under it began after that).
     */
    Span of(String key, JobExecutionState state, long now) {
        return spans.computeIfAbsent(key, k -> tracing.resumeJob(JobTracing.stored(state.getTraceParent(), state.getTraceState()),
                state.getTenantId(), state.getJobId(), Math.min(now, state.getReceivedAt())));
    }

    /** Ends the job's span (resumed first if this life of the task has none), after the records that carry its context. */
    void end(String key, JobExecutionState state, String outcome, int attempts, String category, long now) {
        JobTracing.endJob(of(key, state, now), outcome, attempts, category, now);
        spans.remove(key);
    }

    /** Ends the spans of jobs this life of the task leaves unfinished (outcome {@code moved}); their next owner resumes them. */
    void endAll() {
        long now = System.currentTimeMillis();
        spans.values().forEach(span -> JobTracing.endJob(span, "moved", null, null, now));
        spans.clear();
    }
}
