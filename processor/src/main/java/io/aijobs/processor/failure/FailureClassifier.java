package io.aijobs.processor.execution;

import io.aijobs.processor.model.ModelOutcome;
import io.aijobs.schema.CallOutcome;
import io.aijobs.schema.FailureCategory;

/**
 * The one place where a model-call outcome becomes a failure category and a usage outcome. Read top to bottom:
 * this is the routing rule.
 */
final class FailureClassifier {

    private FailureClassifier() {
    }

    static FailureCategory category(ModelOutcome outcome) {
        if (outcome instanceof ModelOutcome.RateLimited) {
            return FailureCategory.RATE_LIMITED;
        }
        if (outcome instanceof ModelOutcome.Timeout || outcome instanceof ModelOutcome.ServerError
                || outcome instanceof ModelOutcome.ConnectionError) {
            return FailureCategory.TRANSIENT;
        }
        if (outcome instanceof ModelOutcome.InvalidRequest || outcome instanceof ModelOutcome.Refusal) {
            return FailureCategory.PERMANENT;
        }
        throw new IllegalArgumentException("not a failure: " + outcome.getClass().getSimpleName());
    }

    static CallOutcome callOutcome(ModelOutcome outcome) {
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

    /** A stable, machine-readable error type for dead-letter records. */
    static String errorType(ModelOutcome outcome) {
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
