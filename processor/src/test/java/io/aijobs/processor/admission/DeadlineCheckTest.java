package io.aijobs.processor.admission;

import static io.aijobs.processor.admission.AdmissionFixtures.T0;
import static io.aijobs.processor.admission.AdmissionFixtures.candidate;
import static io.aijobs.processor.admission.AdmissionFixtures.job;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.schema.FailureCategory;
import org.junit.jupiter.api.Test;

class DeadlineCheckTest {

    private final DeadlineCheck check = new DeadlineCheck();

    @Test
    void shouldAdmitAJobWithoutADeadline() {
        assertThat(check.check(candidate(job("j-1").build()))).isEqualTo(Verdict.admit());
    }

    @Test
    void shouldAdmitAJobWhoseDeadlineIsAhead() {
        assertThat(check.check(candidate(job("j-1").setDeadline(T0.plusMillis(1)).build()))).isEqualTo(Verdict.admit());
    }

    @Test
    void shouldRejectAJobWhoseDeadlineIsNowAsExpired() {
        Verdict verdict = check.check(candidate(job("j-1").setDeadline(T0).build()));

        assertThat(verdict).isInstanceOfSatisfying(Verdict.Reject.class, reject -> {
            assertThat(reject.failure().category()).isEqualTo(FailureCategory.EXPIRED);
            assertThat(reject.failure().errorType()).isEqualTo("deadline_passed");
        });
    }
}
