package io.aijobs.model.routing;

/**
 * The calls one endpoint may have open at once, adapted to what it answers (additive increase, multiplicative
 * decrease, as TCP does with its window):
 * <ul>
 *   <li>an answer that says the endpoint is overloaded (429, 503) cuts the limit by {@link #BACKOFF}, once per round:
 *       only a call started after the last cut can cut it again, so a burst of rejections of calls that were already
 *       open counts once;</li>
 *   <li>every other answer that came back in time raises it by {@code 1 / limit}, about one per round of calls, while
 *       at least half of the limit is in use (an idle endpoint does not grow a limit it never tested);</li>
 *   <li>it stays between 1 and the configured maximum.</li>
 * </ul>
 * A fixed limit ({@code adaptive = false}) stays at the maximum. Thread-safe.
 */
public final class AimdLimit {

    /** Factor applied to the limit by an overload signal. */
    public static final double BACKOFF = 0.9;

    private final int max;
    private final boolean adaptive;
    private double limit;
    private int inFlight;
    private long nextTicket;
    /** Calls with a ticket below this were started before the last cut: their overload signals are ignored. */
    private long cutAt;

    public AimdLimit(int max, boolean adaptive) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, got " + max);
        }
        this.max = max;
        this.adaptive = adaptive;
        this.limit = max;
    }

    /** Takes a slot if one is free: returns its ticket, or -1 when the limit is reached. */
    public synchronized long tryAcquire() {
        if (inFlight >= (int) limit) {
            return -1;
        }
        inFlight++;
        return nextTicket++;
    }

    /** Whether a slot is free now. */
    public synchronized boolean hasRoom() {
        return inFlight < (int) limit;
    }

    /** The call of {@code ticket} ended with an answer that says nothing against the load (success, 4xx, ...). */
    public synchronized void onSuccess(long ticket) {
        inFlight--;
        if (adaptive && limit < max && inFlight + 1 >= limit / 2) {
            limit = Math.min(max, limit + 1.0 / limit);
        }
    }

    /** The call of {@code ticket} was refused as overload (429, 503). */
    public synchronized void onOverload(long ticket) {
        inFlight--;
        if (adaptive && ticket >= cutAt) {
            limit = Math.max(1.0, limit * BACKOFF);
            cutAt = nextTicket;
        }
    }

    /** The call of {@code ticket} ended without a signal either way (timeout, connection error). */
    public synchronized void onIgnored(long ticket) {
        inFlight--;
    }

    /** The current limit, rounded down. */
    public synchronized int limit() {
        return (int) limit;
    }

    public synchronized int inFlight() {
        return inFlight;
    }

    public int max() {
        return max;
    }

    public boolean adaptive() {
        return adaptive;
    }
}
