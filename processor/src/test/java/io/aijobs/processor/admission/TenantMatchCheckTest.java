package io.aijobs.processor.admission;

import static io.aijobs.processor.admission.AdmissionFixtures.candidate;
import static io.aijobs.processor.admission.AdmissionFixtures.job;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.schema.FailureCategory;
import org.junit.jupiter.api.Test;

class TenantMatchCheckTest {

    private final TenantMatchCheck check = new TenantMatchCheck();

    @Test
    void shouldAdmitAJobNamingTheTenantOfItsTopic() {
        assertThat(check.check(candidate(job("j-1").build()))).isEqualTo(Verdict.admit());
    }

    @Test
    void shouldRejectAJobNamingAnotherTenantAsSecurity() {
        Verdict verdict = check.check(candidate(job("j-1").setTenantId("globex").build()));

        assertThat(verdict).isInstanceOfSatisfying(Verdict.Reject.class, reject -> {
            assertThat(reject.failure().category()).isEqualTo(FailureCategory.SECURITY);
            assertThat(reject.failure().errorType()).isEqualTo("tenant_mismatch");
            assertThat(reject.failure().message()).contains("'globex'", "tenant.acme.jobs");
        });
    }
}
