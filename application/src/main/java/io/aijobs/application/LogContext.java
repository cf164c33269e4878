package io.aijobs.application;

import java.util.List;
import org.slf4j.MDC;

/**
 * The log context (MDC) of what an application logs about one job: its keys are part of the log format, as documented
 * in {@code config/log4j2.xml} and the README. Opened around the work on one job on the thread that does it, closed
 * after. A context replaces all four keys (a value the job does not have is absent, never left over from another job)
 * and closing it puts back what was there before, so contexts nest: work on one job inside the work on another leaves
 * the outer job's context as it found it. Values are identifiers only, never content.
 */
public final class LogContext implements AutoCloseable {

    public static final String TENANT = "tenant";
    public static final String JOB_ID = "jobId";
    public static final String ATTEMPT = "attempt";
    public static final String TRACE_ID = "traceId";
    private static final List<String> KEYS = List.of(TENANT, JOB_ID, ATTEMPT, TRACE_ID);

    /** The values the keys had when this context opened, in the order of {@code KEYS} (null: absent). */
    private final String[] before = new String[KEYS.size()];

    private LogContext() {
    }

    /** Sets the job's identifiers as the log context; a null value leaves its key absent. */
    public static LogContext job(String tenant, String jobId, Integer attempt, String traceId) {
        LogContext context = new LogContext();
        for (int i = 0; i < KEYS.size(); i++) {
            context.before[i] = MDC.get(KEYS.get(i));
        }
        set(TENANT, tenant);
        set(JOB_ID, jobId);
        set(ATTEMPT, attempt == null ? null : attempt.toString());
        set(TRACE_ID, traceId);
        return context;
    }

    private static void set(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < KEYS.size(); i++) {
            set(KEYS.get(i), before[i]);
        }
    }
}
