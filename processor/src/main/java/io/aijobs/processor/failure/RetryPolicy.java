package io.aijobs.processor.failure;

import java.time.Duration;
import java.util.Objects;

/**
 * How one retried failure category is retried: at most {@code maxAttempts} model calls in all, the n-th retry
 * waiting {@code initialBackoff * multiplier^(n-1)}, capped at {@code maxBackoff}, less up to the jitter fraction,
 * in the retry tier {@code tier} ({@code platform.retry.<tier>}).
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, double multiplier, Duration maxBackoff, String tier) {

    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(tier, "tier");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
        if (multiplier < 1.0) {
            throw new IllegalArgumentException("multiplier must be at least 1, got " + multiplier);
        }
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("backoff must satisfy 0 <= initial <= max, got " + initialBackoff + " and " + maxBackoff);
        }
    }

    /**
     * The delay before the attempt after {@code failedAttempt}, before jitter: exponential, capped. Computed in
     * doubles and clamped, so a large attempt number cannot overflow.
     */
    public long backoffMillis(int failedAttempt) {
        double delay = initialBackoff.toMillis() * Math.pow(multiplier, Math.max(0, failedAttempt - 1));
        return (long) Math.min(delay, (double) maxBackoff.toMillis());
    }
}
