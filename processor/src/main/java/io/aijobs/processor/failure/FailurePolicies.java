package io.aijobs.processor.failure;

import io.aijobs.schema.FailureCategory;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * What happens after a failed model call: retry later, or dead-letter now. One rule, in {@link #decide}:
 * <ol>
 *   <li>A category without a {@link RetryPolicy} (PERMANENT, and every category found before a call) is
 *       dead-lettered at once.</li>
 *   <li>A retried category (TRANSIENT, RATE_LIMITED) whose attempts are used up is dead-lettered under its own
 *       category, with the attempts made.</li>
 *   <li>Otherwise the next attempt is due after the policy's backoff less jitter, and never before the model
 *       service's {@code Retry-After}.</li>
 *   <li>A job whose deadline comes before that due time is dead-lettered as EXPIRED instead.</li>
 * </ol>
 * Thread-safe if the random source is.
 */
public final class FailurePolicies {

    /** A decision about one failure. */
    public sealed interface Decision {
    }

    /** Try again: the next attempt is not started before {@code dueAt}. */
    public record Retry(long dueAt, long delayMillis, RetryPolicy policy) implements Decision {
    }

    /** Give up: the job goes to the dead-letter topic as {@code failure}. */
    public record DeadLetter(Failure failure) implements Decision {
    }

    private final Map<FailureCategory, RetryPolicy> retried;
    private final double jitter;
    private final DoubleSupplier random;

    /**
     * @param retried the categories that are retried and how
     * @param jitter  fraction of each delay taken off at random, in [0, 1): spreads the retries of a burst of
     *                failures instead of sending them back together
     * @param random  uniform in [0, 1)
     */
    public FailurePolicies(Map<FailureCategory, RetryPolicy> retried, double jitter, DoubleSupplier random) {
        this.retried = new EnumMap<>(FailureCategory.class);
        this.retried.putAll(retried);
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("jitter must be in [0, 1), got " + jitter);
        }
        this.jitter = jitter;
        this.random = Objects.requireNonNull(random, "random");
    }

    public Optional<RetryPolicy> policy(FailureCategory category) {
        return Optional.ofNullable(retried.get(category));
    }

    /** Attempts allowed in all for a category: 1 for one that is not retried. */
    public int maxAttempts(FailureCategory category) {
        RetryPolicy policy = retried.get(category);
        return policy == null ? 1 : policy.maxAttempts();
    }

    /**
     * @param failure       the classified failure of attempt {@code failedAttempt}
     * @param failedAttempt 1-based
     * @param now           epoch millis
     * @param deadline      the job's deadline, if it has one
     */
    public Decision decide(Failure failure, int failedAttempt, long now, Instant deadline) {
        RetryPolicy policy = retried.get(failure.category());
        if (policy == null) {
            return new DeadLetter(failure);
        }
        if (failedAttempt >= policy.maxAttempts()) {
            return new DeadLetter(new Failure(failure.category(), failure.errorType(), failure.errorCode(),
                    "gave up after " + failedAttempt + " attempt(s); last error: " + failure.message(), failure.httpStatus(),
                    failure.retryAfter()));
        }
        long backoff = policy.backoffMillis(failedAttempt);
        long delay = backoff - (long) (backoff * jitter * random.getAsDouble());
        long asked = failure.retryAfter().map(d -> d.toMillis()).orElse(0L);
        delay = Math.max(delay, asked);
        long dueAt = now + delay;
        if (deadline != null && deadline.toEpochMilli() <= dueAt) {
            return new DeadLetter(failure.as(FailureCategory.EXPIRED, "deadline " + deadline + " comes before the next attempt"
                    + " could start (" + Instant.ofEpochMilli(dueAt) + ")"));
        }
        return new Retry(dueAt, delay, policy);
    }
}
