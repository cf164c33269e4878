package io.aijobs.processor.failure;

import io.aijobs.schema.FailureCategory;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One classified failure: what went wrong, in words a dead-letter record, a retry record and an alert can carry.
 *
 * @param category   the response it gets (see {@link FailurePolicies})
 * @param errorType  stable, machine-readable: {@code http_503}, {@code timeout}, {@code deserialization}, ...
 * @param errorCode  code given by the model service or registry, if any
 * @param message    human-readable; never prompt or output text
 * @param httpStatus status of the model call, if one answered
 * @param retryAfter what the model service asked us to wait, if it did
 */
public record Failure(FailureCategory category, String errorType, String errorCode, String message, Integer httpStatus,
                      Optional<Duration> retryAfter) {

    public Failure {
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(errorType, "errorType");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(retryAfter, "retryAfter");
    }

    /** A failure found before any model call (decoding, contract, tenant, deadline, price). */
    public static Failure rejection(FailureCategory category, String errorType, String message) {
        return new Failure(category, errorType, null, message == null ? errorType : message, null, Optional.empty());
    }

    /** The same failure, now under another category (e.g. EXPIRED when the deadline cut its retries short). */
    public Failure as(FailureCategory other, String why) {
        return new Failure(other, errorType, errorCode, why + ": " + message, httpStatus, retryAfter);
    }
}
