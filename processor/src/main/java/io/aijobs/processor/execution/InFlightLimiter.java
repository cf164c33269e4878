package io.aijobs.processor.execution;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Bounds the model calls open at once in one processor instance, across all its tasks and stream threads. A permit
 * is taken on the stream thread before a call starts and given back by the HTTP client's callback when the call
 * ends, whether or not its task is still owned.
 */
public final class InFlightLimiter {

    private final int capacity;
    private final Semaphore permits;

    public InFlightLimiter(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.permits = new Semaphore(capacity);
    }

    public boolean tryAcquire() {
        return permits.tryAcquire();
    }

    /** Waits up to {@code wait} for a permit. */
    public boolean tryAcquire(Duration wait) {
        try {
            return permits.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public void release() {
        permits.release();
    }

    /** Calls open now. */
    public int inFlight() {
        return capacity - permits.availablePermits();
    }

    public int capacity() {
        return capacity;
    }
}
