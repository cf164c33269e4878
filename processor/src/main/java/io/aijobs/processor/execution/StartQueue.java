package io.aijobs.processor.execution;

import io.aijobs.schema.JobPriority;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One task's jobs waiting for a call slot, by tenant: calls to re-issue first (they were in flight when a previous owner
 * of the task stopped), then INTERACTIVE jobs, then BATCH jobs, each in arrival order. Which tenant's job starts next
 * is the instance's {@link FairShare} to say. In memory only: the QUEUED and IN_FLIGHT states in the task's store are
 * the durable queue, from which a new owner rebuilds this one.
 *
 * <p>Touched only by the task's stream thread.
 */
final class StartQueue {

    /** A job leaving the queue: its state key, tenant and priority. */
    record Entry(String key, String tenant, JobPriority priority) {
    }

    private static final class TenantJobs {
        final ArrayDeque<String> resumed = new ArrayDeque<>();
        final ArrayDeque<String> interactive = new ArrayDeque<>();
        final ArrayDeque<String> batch = new ArrayDeque<>();

        int size() {
            return resumed.size() + interactive.size() + batch.size();
        }

        /** The priority of the job that would leave next; re-issued calls count as INTERACTIVE. */
        JobPriority next() {
            return resumed.isEmpty() && interactive.isEmpty() ? JobPriority.BATCH : JobPriority.INTERACTIVE;
        }

        String poll() {
            String key = resumed.poll();
            if (key == null) {
                key = interactive.poll();
            }
            return key != null ? key : batch.poll();
        }
    }

    private final FairShare share;
    private final Map<String, TenantJobs> byTenant = new LinkedHashMap<>();
    /** The next job's priority of each tenant with jobs here, rebuilt for each start (kept to allocate it once). */
    private final Map<String, JobPriority> candidates = new HashMap<>();
    private int size;

    StartQueue(FairShare share) {
        this.share = share;
    }

    /** Appends a job; {@code resumed}: a call that was in flight, to issue again before anything else of its tenant. */
    void add(String tenant, String key, JobPriority priority, boolean resumed) {
        TenantJobs jobs = byTenant.computeIfAbsent(tenant, t -> new TenantJobs());
        (resumed ? jobs.resumed : priority == JobPriority.BATCH ? jobs.batch : jobs.interactive).add(key);
        size++;
        share.waiting(tenant, resumed ? JobPriority.INTERACTIVE : priority);
    }

    /** Puts back a job that {@link #next} gave but that could not start now, ahead of its tenant's others. */
    void putBack(Entry entry) {
        TenantJobs jobs = byTenant.computeIfAbsent(entry.tenant(), t -> new TenantJobs());
        (entry.priority() == JobPriority.BATCH ? jobs.batch : jobs.resumed).addFirst(entry.key());
        size++;
    }

    /**
     * The job to start now, taken off the queue, or null when the instance's fair share gives this task's tenants no
     * slot now. The caller then starts it ({@link FairShare#started}) or puts it back, or tells the share it stopped
     * waiting.
     */
    Entry next() {
        return next(true);
    }

    /** As {@link #next()}; {@code deferToOtherTasks}: as in {@link FairShare#choose(Map, boolean)}. */
    Entry next(boolean deferToOtherTasks) {
        if (size == 0) {
            return null;
        }
        candidates.clear();
        byTenant.forEach((tenant, jobs) -> candidates.put(tenant, jobs.next()));
        String tenant = share.choose(candidates, deferToOtherTasks);
        if (tenant == null) {
            return null;
        }
        TenantJobs jobs = byTenant.get(tenant);
        JobPriority priority = jobs.next();
        String key = jobs.poll();
        size--;
        if (jobs.size() == 0) {
            byTenant.remove(tenant);
        }
        return new Entry(key, tenant, priority);
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** Jobs of this tenant waiting in this task. */
    int size(String tenant) {
        TenantJobs jobs = byTenant.get(tenant);
        return jobs == null ? 0 : jobs.size();
    }

    /** Empties the queue (the task is closing), telling the share that these jobs no longer wait here. */
    void clear() {
        for (Iterator<Map.Entry<String, TenantJobs>> it = byTenant.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, TenantJobs> entry = it.next();
            TenantJobs jobs = entry.getValue();
            for (int i = 0; i < jobs.resumed.size() + jobs.interactive.size(); i++) {
                share.stoppedWaiting(entry.getKey(), JobPriority.INTERACTIVE);
            }
            for (int i = 0; i < jobs.batch.size(); i++) {
                share.stoppedWaiting(entry.getKey(), JobPriority.BATCH);
            }
            it.remove();
        }
        size = 0;
    }
}
