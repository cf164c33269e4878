package io.aijobs.contracts;

import io.aijobs.schema.CallOutcome;
import io.aijobs.schema.FailureCategory;
import java.util.Objects;

/**
 * The one mapping from how a model call ended ({@link CallOutcome}, as usage records carry it) to the failure category
 * of that call. The processor classifies a failed call with it (and retries or dead-letters by the category); the
 * cost aggregator counts failed calls by it. Both read it here, so a dashboard's failure counts and a job's dead
 * letters cannot drift apart.
 *
 * <pre>
 * TIMEOUT, SERVER_ERROR, CONNECTION_ERROR  → TRANSIENT
 * RATE_LIMITED                             → RATE_LIMITED
 * INVALID_REQUEST, REFUSAL                 → PERMANENT
 * UNKNOWN (a symbol this reader lacks)     → UNKNOWN
 * SUCCESS                                  → not a failure: refused
 * </pre>
 */
public final class CallOutcomes {

    private CallOutcomes() {
    }

    /**
     * The failure category of a call that did not succeed.
     *
     * @throws IllegalArgumentException for {@link CallOutcome#SUCCESS} and {@link CallOutcome#CACHE_HIT}, which are no failures
     */
    public static FailureCategory failureCategory(CallOutcome failed) {
        Objects.requireNonNull(failed, "failed");
        return switch (failed) {
            case RATE_LIMITED -> FailureCategory.RATE_LIMITED;
            case TIMEOUT, SERVER_ERROR, CONNECTION_ERROR -> FailureCategory.TRANSIENT;
            case INVALID_REQUEST, REFUSAL -> FailureCategory.PERMANENT;
            case UNKNOWN -> FailureCategory.UNKNOWN;
            case SUCCESS, CACHE_HIT -> throw new IllegalArgumentException("not a failure: " + failed);
        };
    }
}
