package io.aijobs.processor.execution;

import io.aijobs.schema.JobPriority;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Shares one processor instance's call slots between tenants, across all its tasks and stream threads: weighted fair
 * queueing of call starts by virtual token counters (VTC, Sheng et al., "Fairness in Serving Large Language Models",
 * OSDI 2024), and each tenant's cap on calls open at once.
 *
 * <p>Every tenant has a counter that each of its starts raises by {@code 1 / weight}. A task with a free slot asks
 * {@link #choose} which of its tenants to start a call for: only a tenant whose counter is lowest among the tenants
 * with jobs waiting anywhere in the instance may start, so a slot one task frees goes to whichever tenant is owed it, even when that
 * tenant's job waits in another task. A tenant that becomes active (a job waiting or a call open) after an idle spell
 * starts level with the least-served active tenant: idleness banks no credit, and service nobody competed for is no
 * debt. Within a tenant, an INTERACTIVE job waiting anywhere holds back its BATCH jobs.
 *
 * <p>It is work-conserving: a tenant alone (or the only one with jobs waiting) gets every slot. A task that defers to
 * another tenant leaves the slot free for that tenant's task to take at its next turn (a punctuation, at most
 * {@code completion.poll.interval.ms} later, or its next record). So that a stalled task (restoring, or in a long
 * commit) cannot idle the instance, a tenant that took none of the slots left for it during {@link #STALL_LIMIT_MS} is not
 * deferred to until it starts a call again.
 *
 * <p>Thread-safe (one lock; a few operations per call start). Counts are of this instance only: tenants compete for the
 * slots of each instance separately.
 */
public final class FairShare {

    /** How long others defer to a tenant whose waiting jobs start nothing. */
    static final long STALL_LIMIT_MS = 500;

    private final LongSupplier clockMs;
    private final Map<String, Tenant> tenants = new HashMap<>();
    /** Tenants with jobs waiting or calls open: a start looks only at these, not at every tenant ever seen. */
    private final Set<Tenant> active = new HashSet<>();

    public FairShare() {
        this(System::currentTimeMillis);
    }

    FairShare(LongSupplier clockMs) {
        this.clockMs = clockMs;
    }

    /** What the instance knows of one tenant. */
    private static final class Tenant {
        double counter;
        double weight = 1.0;
        Integer cap;
        int inFlight;
        int waitingInteractive;
        int waitingBatch;
        /** When another task first left a slot free for this tenant since its last start; 0: none since. */
        long deferredSinceMs;

        int waiting() {
            return waitingInteractive + waitingBatch;
        }

        boolean atCap() {
            return cap != null && inFlight >= cap;
        }

        boolean active() {
            return inFlight > 0 || waiting() > 0;
        }
    }

    /** Takes the tenant's current policy: its weight (positive) and its cap on open calls (null: none). */
    public synchronized void policy(String tenant, double weight, Integer cap) {
        Tenant t = tenant(tenant);
        t.weight = weight > 0 && Double.isFinite(weight) ? weight : 1.0;
        t.cap = cap;
    }

    /** A job of the tenant starts waiting for a slot (in some task's start queue). */
    public synchronized void waiting(String tenant, JobPriority priority) {
        Tenant t = tenant(tenant);
        activate(t);
        if (priority == JobPriority.BATCH) {
            t.waitingBatch++;
        } else {
            t.waitingInteractive++;
        }
    }

    /** A waiting job left its queue without starting (its task was closed, or it ended while waiting). */
    public synchronized void stoppedWaiting(String tenant, JobPriority priority) {
        Tenant t = tenants.get(tenant);
        if (t == null) {
            return;
        }
        if (priority == JobPriority.BATCH) {
            t.waitingBatch = Math.max(0, t.waitingBatch - 1);
        } else {
            t.waitingInteractive = Math.max(0, t.waitingInteractive - 1);
        }
        if (t.waiting() == 0) {
            t.deferredSinceMs = 0;
        }
        if (!t.active()) {
            active.remove(t);
        }
    }

    /**
     * Of the tenants with jobs waiting in the asking task (each with the priority of its next job there), the one to
     * start a call for now, or null when none may: the tenant with the lowest counter among those under their cap (a
     * BATCH job also waits while an INTERACTIVE job of its tenant waits anywhere), and only if no tenant with jobs
     * waiting elsewhere has a lower counter. Deferring to a tenant that then takes no slot for {@link #STALL_LIMIT_MS}
     * stops until it starts a call.
     */
    public synchronized String choose(Map<String, JobPriority> nextJobs) {
        return choose(nextJobs, true);
    }

    /**
     * As {@link #choose(Map)}, but with {@code deferToOtherTasks} false the asking task does not leave a slot free for a
     * tenant whose jobs wait only in other tasks: for a task that holds its stream thread until one of its own jobs
     * starts (the intake bound), a slot left for a task of the same thread would stay free until the wait gives up.
     */
    public synchronized String choose(Map<String, JobPriority> nextJobs, boolean deferToOtherTasks) {
        long now = clockMs.getAsLong();
        Tenant owed = deferToOtherTasks ? owed(now) : null;
        String best = null;
        Tenant bestTenant = null;
        for (Map.Entry<String, JobPriority> next : nextJobs.entrySet()) {
            Tenant t = tenant(next.getKey());
            if (t.atCap()) {
                continue;
            }
            if (next.getValue() == JobPriority.BATCH && t.waitingInteractive > 0 && !stalled(t, now)) {
                if (t.deferredSinceMs == 0) {
                    t.deferredSinceMs = now;
                }
                continue;
            }
            if (bestTenant == null || t.counter < bestTenant.counter) {
                best = next.getKey();
                bestTenant = t;
            }
        }
        if (bestTenant == null) {
            return null;
        }
        if (owed != null && owed.counter < bestTenant.counter) {
            if (owed.deferredSinceMs == 0) {
                owed.deferredSinceMs = now;
            }
            return null;
        }
        return best;
    }

    /** The least-served tenant with jobs waiting (anywhere) that may start one now, or null. */
    private Tenant owed(long now) {
        Tenant owed = null;
        for (Tenant other : active) {
            if (other.waiting() > 0 && !other.atCap() && !stalled(other, now) && (owed == null || other.counter < owed.counter)) {
                owed = other;
            }
        }
        return owed;
    }

    private static boolean stalled(Tenant t, long now) {
        return t.deferredSinceMs != 0 && now - t.deferredSinceMs > STALL_LIMIT_MS;
    }

    /** A waiting job of the tenant started its call (after {@link #choose}). */
    public synchronized void started(String tenant, JobPriority priority) {
        Tenant t = tenant(tenant);
        if (priority == JobPriority.BATCH) {
            t.waitingBatch = Math.max(0, t.waitingBatch - 1);
        } else {
            t.waitingInteractive = Math.max(0, t.waitingInteractive - 1);
        }
        activate(t);
        t.inFlight++;
        t.counter += 1.0 / t.weight;
        t.deferredSinceMs = 0;
    }

    /** One of the tenant's calls ended (any thread; whether or not its task is still owned). */
    public synchronized void ended(String tenant) {
        Tenant t = tenants.get(tenant);
        if (t != null) {
            t.inFlight = Math.max(0, t.inFlight - 1);
            if (!t.active()) {
                active.remove(t);
            }
        }
    }

    /** The tenant's calls open now in this instance. */
    public synchronized int inFlight(String tenant) {
        Tenant t = tenants.get(tenant);
        return t == null ? 0 : t.inFlight;
    }

    /** The tenant's jobs waiting for a slot in this instance. */
    public synchronized int waitingJobs(String tenant) {
        Tenant t = tenants.get(tenant);
        return t == null ? 0 : t.waiting();
    }

    /** For tests: the tenant's virtual counter. */
    synchronized double counter(String tenant) {
        Tenant t = tenants.get(tenant);
        return t == null ? 0 : t.counter;
    }

    /** An idle tenant becoming active starts level with the least-served active tenant (0 when none is active). */
    private void activate(Tenant t) {
        if (t.active()) {
            return;
        }
        double floor = Double.NaN;
        for (Tenant other : active) {
            floor = Double.isNaN(floor) ? other.counter : Math.min(floor, other.counter);
        }
        t.counter = Double.isNaN(floor) ? 0 : floor;
        active.add(t);
    }

    private Tenant tenant(String tenant) {
        return tenants.computeIfAbsent(tenant, k -> new Tenant());
    }
}
