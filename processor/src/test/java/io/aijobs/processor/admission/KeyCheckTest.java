package io.aijobs.processor.admission;

import static io.aijobs.processor.admission.AdmissionFixtures.ACME;
import static io.aijobs.processor.admission.AdmissionFixtures.ACME_JOBS;
import static io.aijobs.processor.admission.AdmissionFixtures.candidate;
import static io.aijobs.processor.admission.AdmissionFixtures.job;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.schema.FailureCategory;
import org.junit.jupiter.api.Test;

class KeyCheckTest {

    private final KeyCheck check = new KeyCheck();

    @Test
    void shouldAdmitAJobKeyedByItsJobId() {
        assertThat(check.check(candidate(job("j-1").build()))).isEqualTo(Verdict.admit());
    }

    @Test
    void shouldRejectAJobKeyedByAnythingElseAsInvalid() {
        Candidate keyedElsewhere = new Candidate(ACME, job("j-1").build(), new Arrival(ACME_JOBS, 0, "other", new byte[0], null, 0));

        assertThat(check.check(keyedElsewhere)).isInstanceOfSatisfying(Verdict.Reject.class, reject -> {
            assertThat(reject.failure().category()).isEqualTo(FailureCategory.INVALID);
            assertThat(reject.failure().errorType()).isEqualTo("key_mismatch");
        });
    }
}
