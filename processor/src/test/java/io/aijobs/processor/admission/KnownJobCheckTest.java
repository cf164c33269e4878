package io.aijobs.processor.admission;

import static io.aijobs.processor.admission.AdmissionFixtures.ACME;
import static io.aijobs.processor.admission.AdmissionFixtures.ACME_JOBS;
import static io.aijobs.processor.admission.AdmissionFixtures.T0;
import static io.aijobs.processor.admission.AdmissionFixtures.candidate;
import static io.aijobs.processor.admission.AdmissionFixtures.job;
import static io.aijobs.processor.admission.AdmissionFixtures.known;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.schema.state.ExecutionStatus;
import io.aijobs.schema.state.JobExecutionState;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KnownJobCheckTest {

    private final Map<String, JobExecutionState> states = new HashMap<>();
    private final KnownJobCheck check = new KnownJobCheck((tenant, jobId) -> states.get(tenant.value() + "/" + jobId));

    private static Candidate replay(String jobId) {
        return new Candidate(ACME, job(jobId).build(), new Arrival(ACME_JOBS, 0, jobId, new byte[0], "tenant.acme.dlt/0/7",
                T0.toEpochMilli()));
    }

    @Test
    void shouldAdmitAJobTheTaskDoesNotKnow() {
        assertThat(check.check(candidate(job("j-1").build()))).isEqualTo(Verdict.admit());
    }

    @Test
    void shouldCallAJobTheTaskKnowsADuplicateWhateverItsStatus() {
        for (ExecutionStatus status : ExecutionStatus.values()) {
            JobExecutionState existing = known("j-1", status, 1, 0);
            states.put("acme/j-1", existing);

            assertThat(check.check(candidate(job("j-1").build()))).as(status.name())
                    .isEqualTo(new Verdict.Duplicate(existing, false));
        }
    }

    @Test
    void shouldLookTheJobUpUnderTheTenantOfItsTopic() {
        states.put("globex/j-1", known("j-1", ExecutionStatus.COMPLETED, 1, 0));

        assertThat(check.check(candidate(job("j-1").build()))).isEqualTo(Verdict.admit());
    }

    @Test
    void shouldAdmitAReplayOfAFailedJobAsAReplayOfItsState() {
        JobExecutionState failed = known("j-1", ExecutionStatus.FAILED, 3, 0);
        states.put("acme/j-1", failed);

        assertThat(check.check(replay("j-1"))).isEqualTo(new Verdict.Replay(failed));
    }

    @Test
    void shouldIgnoreAReplayOfAJobThatDidNotFail() {
        JobExecutionState completed = known("j-1", ExecutionStatus.COMPLETED, 1, 0);
        states.put("acme/j-1", completed);

        assertThat(check.check(replay("j-1"))).isEqualTo(new Verdict.Duplicate(completed, true));
    }

    @Test
    void shouldAdmitAReplayOfAJobTheTaskDoesNotKnowAsANewJob() {
        assertThat(check.check(replay("j-1"))).isEqualTo(Verdict.admit());
    }
}
