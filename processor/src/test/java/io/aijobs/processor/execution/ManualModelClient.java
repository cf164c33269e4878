package io.aijobs.processor.execution;

import io.aijobs.model.ModelClient;
import io.aijobs.model.ModelOutcome;
import io.aijobs.schema.JobRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A model client the test answers by hand: each call waits until the test completes it. */
final class ManualModelClient implements ModelClient {

    record Call(JobRequest job, String idempotencyKey, java.util.Map<String, String> traceHeaders, CompletableFuture<ModelOutcome> answer) {
        void succeed(int inputTokens, int outputTokens) {
            succeed(inputTokens, 0, outputTokens);
        }

        void succeed(int inputTokens, int cachedInputTokens, int outputTokens) {
            answer.complete(new ModelOutcome.Success(job.getModel(), "answer to " + job.getJobId(), "stop", inputTokens, cachedInputTokens,
                    outputTokens, Duration.ofMillis(42)));
        }

        void fail(ModelOutcome outcome) {
            answer.complete(outcome);
        }
    }

    private final List<Call> calls = new ArrayList<>();

    @Override
    public CompletableFuture<ModelOutcome> complete(JobRequest job, String idempotencyKey) {
        return complete(job, idempotencyKey, java.util.Map.of());
    }

    @Override
    public synchronized CompletableFuture<ModelOutcome> complete(JobRequest job, String idempotencyKey, java.util.Map<String, String> traceHeaders) {
        Call call = new Call(job, idempotencyKey, traceHeaders, new CompletableFuture<>());
        calls.add(call);
        return call.answer();
    }

    synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    synchronized Call last() {
        return calls.get(calls.size() - 1);
    }
}
