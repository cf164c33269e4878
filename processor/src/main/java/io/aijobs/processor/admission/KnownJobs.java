package io.aijobs.processor.admission;

import io.aijobs.contracts.TenantId;
import io.aijobs.schema.state.JobExecutionState;

/**
 * Read access to the jobs a task remembers (its execution-state store, within the dedup horizon). Admission only
 * reads; execution owns the store and its key format.
 */
@FunctionalInterface
public interface KnownJobs {

    /** The job's state in this task, or null when the task does not know it. */
    JobExecutionState find(TenantId tenant, String jobId);
}
