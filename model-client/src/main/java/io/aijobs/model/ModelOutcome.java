package io.aijobs.model;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How one model call ended, as a type: the topology decides what each means (complete, retry, dead-letter).
 * Every outcome carries the call's duration; those that were paid for carry token counts.
 */
public sealed interface ModelOutcome {

    /** Wall-clock duration of the call. */
    Duration latency();

    /** HTTP status, when an HTTP answer arrived. */
    Optional<Integer> httpStatus();

    /**
     * The model answered. {@code cachedInputTokens} are the part of {@code inputTokens} that the provider served
     * from its prompt cache ({@code 0 <= cachedInputTokens <= inputTokens}).
     */
    record Success(String model, String output, String finishReason, int inputTokens, int cachedInputTokens, int outputTokens,
                   Duration latency) implements ModelOutcome {
        public Success {
            Objects.requireNonNull(output, "output");
            requireCachedWithinInput(inputTokens, cachedInputTokens);
        }

        @Override
        public Optional<Integer> httpStatus() {
            return Optional.of(200);
        }
    }

    /** The model declined (content filter or refusal): paid, but no usable output; tokens as in {@link Success}. */
    record Refusal(String model, String reason, int inputTokens, int cachedInputTokens, int outputTokens, Duration latency)
            implements ModelOutcome {
        public Refusal {
            requireCachedWithinInput(inputTokens, cachedInputTokens);
        }

        @Override
        public Optional<Integer> httpStatus() {
            return Optional.of(200);
        }
    }

    /** HTTP 429; {@code retryAfter} when the server said how long to wait. */
    record RateLimited(Optional<Duration> retryAfter, Duration latency) implements ModelOutcome {
        @Override
        public Optional<Integer> httpStatus() {
            return Optional.of(429);
        }
    }

    /** No answer within the call timeout (or HTTP 408/504). */
    record Timeout(Optional<Integer> httpStatus, Duration latency) implements ModelOutcome {
    }

    /** HTTP 5xx: the server failed or is overloaded. */
    record ServerError(int status, String message, Duration latency) implements ModelOutcome {
        @Override
        public Optional<Integer> httpStatus() {
            return Optional.of(status);
        }
    }

    /** The connection failed before an answer (refused, reset, DNS, TLS). */
    record ConnectionError(String message, Duration latency) implements ModelOutcome {
        @Override
        public Optional<Integer> httpStatus() {
            return Optional.empty();
        }
    }

    /**
     * HTTP 4xx other than 429 and 408: the request itself is wrong (bad parameters, unknown model, context too
     * long) or not allowed (401/403). {@code code} is the server's error code when it gave one.
     */
    record InvalidRequest(int status, Optional<String> code, String message, Duration latency) implements ModelOutcome {
        @Override
        public Optional<Integer> httpStatus() {
            return Optional.of(status);
        }
    }

    private static void requireCachedWithinInput(int inputTokens, int cachedInputTokens) {
        if (cachedInputTokens < 0 || cachedInputTokens > inputTokens) {
            throw new IllegalArgumentException("cached input tokens (" + cachedInputTokens + ") must be part of the input tokens ("
                    + inputTokens + ")");
        }
    }
}
