package io.aijobs.processor.admission;

import io.aijobs.contracts.TenantId;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.state.ExecutionStatus;
import io.aijobs.schema.state.JobExecutionState;
import java.time.Instant;
import java.util.List;

/** Jobs and candidates for the admission tests: a valid job of tenant acme on acme's jobs topic, at {@link #T0}. */
final class AdmissionFixtures {

    static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
    static final TenantId ACME = TenantId.of("acme");
    static final String ACME_JOBS = "tenant.acme.jobs";

    private AdmissionFixtures() {
    }

    /** A valid job of acme for model {@code m}, submitted a minute before {@link #T0}. */
    static JobRequest.Builder job(String jobId) {
        return JobRequest.newBuilder().setJobId(jobId).setTenantId("acme").setModel("m")
                .setMessages(List.of(new ChatMessage("user", "hello")))
                .setParameters(JobParameters.newBuilder().build())
                .setSubmittedAt(T0.minusSeconds(60));
    }

    /** The job as it arrives on acme's jobs topic, keyed by its jobId, at {@link #T0}. */
    static Candidate candidate(JobRequest job) {
        return new Candidate(ACME, job, new Arrival(ACME_JOBS, 0, job.getJobId(), new byte[0], null, T0.toEpochMilli()));
    }

    /** A job this task knows, in the given status, after the given number of attempts. */
    static JobExecutionState known(String jobId, ExecutionStatus status, int attempt, int replays) {
        return JobExecutionState.newBuilder().setJobId(jobId).setTenantId("acme").setStatus(status).setAttempt(attempt)
                .setReplays(replays).setReceivedAt(0L).setUpdatedAt(0L).setOriginTopic(ACME_JOBS).setOriginPartition(0)
                .setOriginOffset(0L).build();
    }
}
