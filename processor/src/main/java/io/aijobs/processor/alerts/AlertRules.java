package io.aijobs.processor.alerts;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;

/**
 * When the processor raises a failure alert. Counts are over a sliding window of {@code window}, kept in ten
 * buckets; a rule fires when its condition holds and resolves when it stops holding (also when traffic stops and
 * the window empties).
 *
 * @param window              the sliding window
 * @param dltRate             tenant {@code dlt_rate}: fires when dead letters / (dead letters + completed) reaches this
 * @param dltRateMinJobs      ...and at least this many jobs finished in the window (no alert on 1 of 1)
 * @param categoryDeadLetters category {@code dlt_category}: fires when this many dead letters of one category,
 *                            across tenants, fall in the window
 * @param retries             tenant {@code retry_backlog}: fires when this many retries were scheduled in the window
 * @param evaluationInterval  how often every scope is evaluated again, so alerts resolve when the window drains
 */
public record AlertRules(Duration window, BigDecimal dltRate, int dltRateMinJobs, int categoryDeadLetters, int retries,
                         Duration evaluationInterval) {

    public static final int BUCKETS = 10;

    public AlertRules {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(dltRate, "dltRate");
        Objects.requireNonNull(evaluationInterval, "evaluationInterval");
        if (window.toMillis() < BUCKETS) {
            throw new IllegalArgumentException("window must be at least " + BUCKETS + " ms");
        }
    }

    long bucketMillis() {
        return window.toMillis() / BUCKETS;
    }
}
