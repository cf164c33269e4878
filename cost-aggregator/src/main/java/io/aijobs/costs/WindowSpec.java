package io.aijobs.costs;

import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * A window the aggregator keeps: tumbling of a fixed length (aligned to the epoch), or the calendar month in UTC,
 * which is also the billing period.
 *
 * @param label  {@code PT1M}, {@code PT1H}, ... or {@code month}; part of every aggregate key
 * @param length the tumbling length; null for the month
 */
record WindowSpec(String label, Duration length) {

    public static final String MONTH = "month";

    public WindowSpec {
        Objects.requireNonNull(label, "label");
        if (length != null && (length.isNegative() || length.isZero())) {
            throw new IllegalArgumentException("window length must be positive: " + length);
        }
    }

    public static WindowSpec tumbling(Duration length) {
        return new WindowSpec(length.toString(), length);
    }

    public static WindowSpec month() {
        return new WindowSpec(MONTH, null);
    }

    public boolean isMonth() {
        return length == null;
    }

    /** Start (inclusive) of the window holding {@code epochMillis}. */
    public long start(long epochMillis) {
        if (isMonth()) {
            return YearMonth.from(Instant.ofEpochMilli(epochMillis).atZone(ZoneOffset.UTC)).atDay(1).atStartOfDay(ZoneOffset.UTC)
                    .toInstant().toEpochMilli();
        }
        return epochMillis - Math.floorMod(epochMillis, length.toMillis());
    }

    /** End (exclusive) of the window starting at {@code start}. */
    public long end(long start) {
        if (isMonth()) {
            return YearMonth.from(Instant.ofEpochMilli(start).atZone(ZoneOffset.UTC)).plusMonths(1).atDay(1)
                    .atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        }
        return start + length.toMillis();
    }

    /** The billing period ({@code yyyy-MM}, UTC) of an instant. */
    public static String period(long epochMillis) {
        return YearMonth.from(Instant.ofEpochMilli(epochMillis).atZone(ZoneOffset.UTC)).toString();
    }
}
