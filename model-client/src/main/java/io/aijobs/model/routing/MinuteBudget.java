package io.aijobs.model.routing;

/**
 * A budget per minute (requests or tokens), as a token bucket: it holds at most {@code perMinute}, refills at
 * {@code perMinute / 60} per second, and starts full. Tokens are charged after a call (its size is known only then),
 * so the bucket can go below zero; a call may start only while it is positive. Thread-safe.
 */
final class MinuteBudget {

    private final long perMinute;
    private final double perNano;
    private double available;
    private long refilledAt;

    MinuteBudget(long perMinute, long nowNanos) {
        if (perMinute < 1) {
            throw new IllegalArgumentException("a budget per minute must be at least 1, got " + perMinute);
        }
        this.perMinute = perMinute;
        this.perNano = perMinute / 60e9;
        this.available = perMinute;
        this.refilledAt = nowNanos;
    }

    private void refill(long nowNanos) {
        available = Math.min(perMinute, available + (nowNanos - refilledAt) * perNano);
        refilledAt = nowNanos;
    }

    /** Whether at least {@code amount} is available now. */
    synchronized boolean has(double amount, long nowNanos) {
        refill(nowNanos);
        return available >= amount;
    }

    /** Takes {@code amount}, which may leave the bucket below zero. */
    synchronized void charge(double amount, long nowNanos) {
        refill(nowNanos);
        available -= amount;
    }

    /** Nanoseconds until {@code amount} is available, 0 if it is now. */
    synchronized long nanosUntil(double amount, long nowNanos) {
        refill(nowNanos);
        return available >= amount ? 0 : (long) Math.ceil((amount - available) / perNano);
    }

    long perMinute() {
        return perMinute;
    }
}
