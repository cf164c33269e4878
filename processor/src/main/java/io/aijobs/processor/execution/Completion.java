package io.aijobs.processor.execution;

import io.aijobs.model.ModelOutcome;
import io.aijobs.schema.JobRequest;

/**
 * A finished model call, handed from the HTTP client's thread to the stream thread that owns the job's task.
 *
 * @param stateKey  the job's key in the state store
 * @param attempt   the attempt this call was; a completion for another attempt than the stored one is stale
 * @param job       the request
 * @param outcome   how the call ended
 * @param startedAt epoch millis when the call was sent
 * @param endpoint  the endpoint the call went to (empty when no route served the model)
 * @param position  that endpoint's position in the model's route
 * @param batchId   the provider's batch that answered the job, or null for a call of its own
 * @param call      the call's span context, which its usage record carries
 */
record Completion(String stateKey, int attempt, JobRequest job, ModelOutcome outcome, long startedAt, String endpoint, int position,
                  String batchId, io.opentelemetry.api.trace.SpanContext call) {
}
