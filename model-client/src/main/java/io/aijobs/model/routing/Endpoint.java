package io.aijobs.model.routing;

import io.aijobs.model.ModelClient;
import io.aijobs.model.ModelOutcome;
import io.aijobs.schema.JobRequest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * One model service behind a name, with its own limits, shared by every job routed to it in this process:
 * <ul>
 *   <li>an {@link AimdLimit} on the calls open at once (adaptive or fixed);</li>
 *   <li>optional requests-per-minute and tokens-per-minute budgets ({@link MinuteBudget}; tokens are counted from
 *       each answer's usage, so calls already open can overshoot the token budget);</li>
 *   <li>a hold: a 429 with {@code Retry-After} stops every call to the endpoint until that time (at most
 *       {@link Limits#maxHold()}), not only the job that received it.</li>
 * </ul>
 * A call that cannot start at once waits here, in arrival order, without a thread; it starts when a call ends, a
 * hold ends or the budget refills. Thread-safe.
 */
public final class Endpoint implements AutoCloseable {

    /**
     * @param maxConcurrency    calls open at once, at most
     * @param adaptive          whether the limit adapts below the maximum ({@link AimdLimit})
     * @param requestsPerMinute the request budget, if any
     * @param tokensPerMinute   the token budget (input and output), if any
     * @param maxHold           the longest a {@code Retry-After} holds the endpoint
     */
    public record Limits(int maxConcurrency, boolean adaptive, OptionalLong requestsPerMinute, OptionalLong tokensPerMinute,
                         Duration maxHold) {
        public Limits {
            if (maxConcurrency < 1) {
                throw new IllegalArgumentException("maxConcurrency must be at least 1, got " + maxConcurrency);
            }
            Objects.requireNonNull(requestsPerMinute, "requestsPerMinute");
            Objects.requireNonNull(tokensPerMinute, "tokensPerMinute");
            Objects.requireNonNull(maxHold, "maxHold");
        }

        /** A fixed limit and no budgets: what a single {@code model.base.url} has. */
        public static Limits fixed(int maxConcurrency) {
            return new Limits(maxConcurrency, false, OptionalLong.empty(), OptionalLong.empty(), Duration.ofMinutes(1));
        }
    }

    private record Pending(JobRequest job, String idempotencyKey, java.util.Map<String, String> traceHeaders,
                           CompletableFuture<ModelOutcome> result) {
    }

    private final String name;
    private final ModelClient client;
    private final Limits limits;
    private final AimdLimit concurrency;
    private final MinuteBudget requests;
    private final MinuteBudget tokens;
    private final ScheduledExecutorService timers;
    private final LongSupplier nanoTime;
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private final AtomicLong overloaded = new AtomicLong();
    private long heldUntil;
    private boolean wakeScheduled;
    private boolean closed;

    /**
     * @param client   makes the calls; closed with this endpoint
     * @param timers   wakes waiting calls when a hold ends or a budget refills; owned by the caller
     * @param nanoTime monotonic clock
     */
    public Endpoint(String name, ModelClient client, Limits limits, ScheduledExecutorService timers, LongSupplier nanoTime) {
        this.name = Objects.requireNonNull(name, "name");
        this.client = Objects.requireNonNull(client, "client");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.timers = Objects.requireNonNull(timers, "timers");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.concurrency = new AimdLimit(limits.maxConcurrency(), limits.adaptive());
        long now = nanoTime.getAsLong();
        this.requests = limits.requestsPerMinute().isPresent() ? new MinuteBudget(limits.requestsPerMinute().getAsLong(), now) : null;
        this.tokens = limits.tokensPerMinute().isPresent() ? new MinuteBudget(limits.tokensPerMinute().getAsLong(), now) : null;
        this.heldUntil = now;
    }

    public String name() {
        return name;
    }

    public Limits limits() {
        return limits;
    }

    /** Starts the call when the endpoint's limits allow; the future completes with its outcome, never exceptionally. */
    public CompletableFuture<ModelOutcome> call(JobRequest job, String idempotencyKey) {
        return call(job, idempotencyKey, java.util.Map.of());
    }

    /** As {@link #call(JobRequest, String)}, the call sending {@code traceHeaders} ({@link ModelClient#complete(JobRequest, String, java.util.Map)}). */
    public CompletableFuture<ModelOutcome> call(JobRequest job, String idempotencyKey, java.util.Map<String, String> traceHeaders) {
        Pending pending = new Pending(job, idempotencyKey, java.util.Map.copyOf(traceHeaders), new CompletableFuture<>());
        synchronized (this) {
            if (closed) {
                pending.result().complete(new ModelOutcome.ConnectionError("endpoint " + name + " is closed", Duration.ZERO));
                return pending.result();
            }
            waiting.add(pending);
        }
        dispatch();
        return pending.result();
    }

    /** Whether a {@code Retry-After} holds the endpoint now. */
    public synchronized boolean held() {
        return nanoTime.getAsLong() - heldUntil < 0;
    }

    private void dispatch() {
        List<Pending> starting = new ArrayList<>();
        List<Long> tickets = new ArrayList<>();
        synchronized (this) {
            while (!waiting.isEmpty() && !closed) {
                long now = nanoTime.getAsLong();
                long wait = Math.max(0, heldUntil - now);
                if (requests != null) {
                    wait = Math.max(wait, requests.nanosUntil(1, now));
                }
                if (tokens != null) {
                    wait = Math.max(wait, tokens.nanosUntil(1, now));
                }
                if (wait > 0) {
                    wakeIn(wait);
                    break;
                }
                long ticket = concurrency.tryAcquire();
                if (ticket < 0) {
                    break; // the end of an open call dispatches again
                }
                if (requests != null) {
                    requests.charge(1, now);
                }
                starting.add(waiting.poll());
                tickets.add(ticket);
            }
        }
        for (int i = 0; i < starting.size(); i++) {
            start(starting.get(i), tickets.get(i));
        }
    }

    private void wakeIn(long nanos) {
        if (wakeScheduled) {
            return;
        }
        wakeScheduled = true;
        timers.schedule(() -> {
            synchronized (this) {
                wakeScheduled = false;
            }
            dispatch();
        }, nanos, TimeUnit.NANOSECONDS);
    }

    private void start(Pending pending, long ticket) {
        CompletableFuture<ModelOutcome> call;
        try {
            call = client.complete(pending.job(), pending.idempotencyKey(), pending.traceHeaders());
        } catch (RuntimeException e) {
            call = CompletableFuture.completedFuture(new ModelOutcome.ConnectionError(e.toString(), Duration.ZERO));
        }
        call.whenComplete((outcome, error) -> {
            ModelOutcome result = outcome != null ? outcome : new ModelOutcome.ConnectionError(String.valueOf(error), Duration.ZERO);
            settle(ticket, result);
            pending.result().complete(result);
            dispatch();
        });
    }

    private void settle(long ticket, ModelOutcome outcome) {
        if (outcome instanceof ModelOutcome.RateLimited limited) {
            overloaded.incrementAndGet();
            concurrency.onOverload(ticket);
            limited.retryAfter().ifPresent(this::hold);
        } else if (outcome instanceof ModelOutcome.ServerError error && error.status() == 503) {
            overloaded.incrementAndGet();
            concurrency.onOverload(ticket);
        } else if (outcome instanceof ModelOutcome.Timeout || outcome instanceof ModelOutcome.ConnectionError) {
            concurrency.onIgnored(ticket);
        } else {
            concurrency.onSuccess(ticket);
        }
        if (tokens != null) {
            long used = outcome instanceof ModelOutcome.Success success ? (long) success.inputTokens() + success.outputTokens()
                    : outcome instanceof ModelOutcome.Refusal refusal ? (long) refusal.inputTokens() + refusal.outputTokens() : 0;
            if (used > 0) {
                tokens.charge(used, nanoTime.getAsLong());
            }
        }
    }

    private synchronized void hold(Duration retryAfter) {
        long until = nanoTime.getAsLong() + Math.min(retryAfter.toNanos(), limits.maxHold().toNanos());
        if (until - heldUntil > 0) {
            heldUntil = until;
        }
    }

    /** The current limit on calls open at once. */
    public int concurrencyLimit() {
        return concurrency.limit();
    }

    /** Calls open now. */
    public int inFlight() {
        return concurrency.inFlight();
    }

    /** Calls waiting for the limits. */
    public synchronized int waiting() {
        return waiting.size();
    }

    /** Answers that said the endpoint was overloaded (429, 503) since start. */
    public long overloadedAnswers() {
        return overloaded.get();
    }

    /** Closes the client; calls still waiting end as connection errors (no call was made). */
    @Override
    public void close() {
        List<Pending> dropped;
        synchronized (this) {
            closed = true;
            dropped = new ArrayList<>(waiting);
            waiting.clear();
        }
        dropped.forEach(p -> p.result().complete(new ModelOutcome.ConnectionError("endpoint " + name + " is closed", Duration.ZERO)));
        client.close();
    }
}
