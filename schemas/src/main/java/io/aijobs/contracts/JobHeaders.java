package io.aijobs.contracts;

/**
 * Header names the platform writes on its records: a public contract.
 *
 * <p>Values are UTF-8 strings. Headers only repeat what helps routing and tracing without decoding the value;
 * the Avro value stays the source of truth.
 */
public final class JobHeaders {

    /** Tenant id, on jobs published through the producer library and on every record the platform writes. */
    public static final String TENANT = "aijobs.tenant";
    /** Job id, also the record key of jobs and results. */
    public static final String JOB_ID = "aijobs.job.id";
    /** Correlation id of the job, when the request carried one. */
    public static final String TRACE_ID = "aijobs.trace.id";
    /**
     * W3C trace context: on a job, the trace the processor continues; on results, dead letters and events, the job's span;
     * on usage records, the call's span; on each model call, the call's span.
     */
    public static final String TRACEPARENT = "traceparent";
    /** W3C vendor trace state, carried with {@link #TRACEPARENT}. */
    public static final String TRACESTATE = "tracestate";
    /** Model-call attempt number (1-based; 0 when no call was made), on results, usage, events and dead-letter records. */
    public static final String ATTEMPT = "aijobs.attempt";
    /** Failure category ({@code FailureCategory} symbol), on dead-letter records and failure events. */
    public static final String CATEGORY = "aijobs.failure.category";
    /** On retry records: epoch millis before which the next attempt will not start. */
    public static final String RETRY_DUE_AT = "aijobs.retry.due-at";
    /** On retry and dead-letter records: epoch millis of the job's first failed attempt. */
    public static final String FIRST_FAILURE_AT = "aijobs.first-failure-at";
    /** On retry and dead-letter records: the stable error type of the last failure, e.g. {@code http_503}. */
    public static final String ERROR_TYPE = "aijobs.error.type";
    /**
     * On a job republished by {@code aijobs dlt replay}: the dead-letter record it came from
     * ({@code topic/partition/offset}). A job that already FAILED runs again once when it carries this header; a
     * completed or running job is still a duplicate, so a replay cannot execute a job twice.
     */
    public static final String REPLAY_OF = "aijobs.replay-of";
    /** Name and version of the client that produced the job, e.g. {@code aijobs-producer/0.1.0}. */
    public static final String PRODUCER = "aijobs.producer";
    /**
     * On a dead letter whose content was withheld (tenant policy deadLetterContent=HASH): hex SHA-256 of the original
     * value bytes, which the record no longer holds.
     */
    public static final String CONTENT_SHA256 = "aijobs.content-sha256";

    /*
     * Kafka Streams' dead-letter headers (KIP-1034), reused with the same meaning on dead-letter records.
     */
    /** Exception class name. */
    public static final String STREAMS_ERRORS_EXCEPTION = "__streams.errors.exception";
    /** Exception message. */
    public static final String STREAMS_ERRORS_MESSAGE = "__streams.errors.message";
    /** Topic the failed record was read from. */
    public static final String STREAMS_ERRORS_TOPIC = "__streams.errors.topic";
    /** Partition the failed record was read from. */
    public static final String STREAMS_ERRORS_PARTITION = "__streams.errors.partition";
    /** Offset of the failed record. */
    public static final String STREAMS_ERRORS_OFFSET = "__streams.errors.offset";

    private JobHeaders() {
    }
}
