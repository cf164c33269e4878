package io.aijobs.processor.failure;

import io.aijobs.contracts.CallOutcomes;
import io.aijobs.model.ModelOutcome;
import io.aijobs.schema.CallOutcome;
import io.aijobs.schema.FailureCategory;
import java.util.Optional;

/**
 * Where a model-call outcome becomes a classified {@link Failure}. Read top to bottom, this and
 * {@link FailurePolicies} are the routing rule:
 *
 * <pre>
 * timeout, connection error, 5xx, 408/504      → TRANSIENT     → retried with backoff (platform.retry.transient)
 * 429                                          → RATE_LIMITED  → retried, never before Retry-After (platform.retry.rate-limited)
 * 4xx (invalid request, context too long,
 *      unknown model, auth), refusal/content   → PERMANENT     → dead letter after this one attempt
 * undecodable bytes, unknown schema id,
 *      wrong magic byte, truncated Avro        → POISON        → dead letter with the original bytes, no call
 * decodes but breaks the contract              → INVALID       → dead letter, no call
 * deadline passed, before a call or while
 *      waiting to retry                        → EXPIRED       → dead letter
 * tenant mismatch, unprovisioned tenant        → SECURITY      → dead letter, no call
 * model not allowed, input too large,
 *      over the tenant's rate limit            → POLICY        → dead letter, no call
 * over budget (cost aggregator)                → BUDGET        → dead letter, no call
 * </pre>
 *
 * The outcome-to-category rows (the first three) are {@link CallOutcomes}, which the cost aggregator uses as well;
 * this class maps a {@link ModelOutcome} to its {@link CallOutcome} and adds the error type and message. Rejections
 * before a call are built with {@link Failure#rejection} by the admission checks
 * ({@code io.aijobs.processor.admission.AdmissionPipeline} states their order); each check decides its own category.
 */
public final class FailureClassifier {

    private FailureClassifier() {
    }

    /** Classifies a model call that did not succeed. */
    public static Failure of(ModelOutcome outcome) {
        if (outcome instanceof ModelOutcome.Success) {
            throw new IllegalArgumentException("not a failure: " + outcome.getClass().getSimpleName());
        }
        return new Failure(category(outcome), errorType(outcome),
                outcome instanceof ModelOutcome.InvalidRequest invalid ? invalid.code().orElse(null) : null,
                message(outcome), outcome.httpStatus().orElse(null),
                outcome instanceof ModelOutcome.RateLimited limited ? limited.retryAfter() : Optional.empty());
    }

    /** The category of a failed call: the platform's one mapping ({@link CallOutcomes}) of its {@link #callOutcome}. */
    static FailureCategory category(ModelOutcome outcome) {
        return CallOutcomes.failureCategory(callOutcome(outcome));
    }

    /** The usage record's outcome of one call. */
    public static CallOutcome callOutcome(ModelOutcome outcome) {
        if (outcome instanceof ModelOutcome.Success) {
            return CallOutcome.SUCCESS;
        }
        if (outcome instanceof ModelOutcome.Refusal) {
            return CallOutcome.REFUSAL;
        }
        if (outcome instanceof ModelOutcome.RateLimited) {
            return CallOutcome.RATE_LIMITED;
        }
        if (outcome instanceof ModelOutcome.Timeout) {
            return CallOutcome.TIMEOUT;
        }
        if (outcome instanceof ModelOutcome.ServerError) {
            return CallOutcome.SERVER_ERROR;
        }
        if (outcome instanceof ModelOutcome.ConnectionError) {
            return CallOutcome.CONNECTION_ERROR;
        }
        return CallOutcome.INVALID_REQUEST;
    }

    /** A stable, machine-readable error type. */
    public static String errorType(ModelOutcome outcome) {
        if (outcome instanceof ModelOutcome.Refusal refusal) {
            return "model_" + refusal.reason();
        }
        if (outcome instanceof ModelOutcome.ConnectionError) {
            return "connection_error";
        }
        if (outcome instanceof ModelOutcome.Timeout) {
            return "timeout";
        }
        return outcome.httpStatus().map(status -> "http_" + status).orElse("unknown");
    }

    static String message(ModelOutcome outcome) {
        if (outcome instanceof ModelOutcome.InvalidRequest invalid) {
            return invalid.message();
        }
        if (outcome instanceof ModelOutcome.ServerError error) {
            return error.message();
        }
        if (outcome instanceof ModelOutcome.ConnectionError error) {
            return error.message();
        }
        if (outcome instanceof ModelOutcome.Refusal) {
            return "The model declined to answer";
        }
        if (outcome instanceof ModelOutcome.RateLimited limited) {
            return "Rate limited" + limited.retryAfter().map(d -> "; retry after " + d.toMillis() + " ms").orElse("");
        }
        return "No answer within the call timeout";
    }
}
