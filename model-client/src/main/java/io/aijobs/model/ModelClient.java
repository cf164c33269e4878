package io.aijobs.model;

import io.aijobs.schema.JobRequest;
import java.util.concurrent.CompletableFuture;

/**
 * Calls a model service. Implementations are asynchronous (no thread waits on a call), make exactly one attempt
 * per call (retries belong to the topology), and complete the future with a {@link ModelOutcome}, never
 * exceptionally.
 *
 * <p>Thread-safe.
 */
public interface ModelClient extends AutoCloseable {

    /**
     * Starts one chat-completion call for {@code job}.
     *
     * @param idempotencyKey sent as the {@code Idempotency-Key} header, {@code <jobId>-<attempt>}, so a provider or
     *                       gateway that honours it can drop a repeated call
     */
    CompletableFuture<ModelOutcome> complete(JobRequest job, String idempotencyKey);

    /**
     * As {@link #complete(JobRequest, String)}, sending {@code traceHeaders} too: W3C {@code traceparent} (and
     * {@code tracestate}) of the call's span, so that a gateway's or provider's traces join the job's. A client that
     * cannot send headers ignores them.
     */
    default CompletableFuture<ModelOutcome> complete(JobRequest job, String idempotencyKey, java.util.Map<String, String> traceHeaders) {
        return complete(job, idempotencyKey);
    }

    @Override
    default void close() {
    }
}
