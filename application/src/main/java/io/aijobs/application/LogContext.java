package io.aijobs.application;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.MDC;

/**
 * The log context (MDC) of what an application logs about one job: its keys are part of the log format, as documented
 * in {@code config/log4j2.xml} and the README. Opened around the work on one job on the thread that does it, closed
 * after; closing removes exactly the keys it put. Values are identifiers only, never content.
 */
public final class LogContext implements AutoCloseable {

    public static final String TENANT = "tenant";
    public static final String JOB_ID = "jobId";
    public static final String ATTEMPT = "attempt";
    public static final String TRACE_ID = "traceId";

    private final List<String> keys = new ArrayList<>(4);

    private LogContext() {
    }

    /** Puts the given job's identifiers in the log context; nulls are left out. */
    public static LogContext job(String tenant, String jobId, Integer attempt, String traceId) {
        LogContext context = new LogContext();
        context.put(TENANT, tenant);
        context.put(JOB_ID, jobId);
        context.put(ATTEMPT, attempt == null ? null : attempt.toString());
        context.put(TRACE_ID, traceId);
        return context;
    }

    private void put(String key, String value) {
        if (value != null) {
            MDC.put(key, value);
            keys.add(key);
        }
    }

    @Override
    public void close() {
        keys.forEach(MDC::remove);
    }
}
