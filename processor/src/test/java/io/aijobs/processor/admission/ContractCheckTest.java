package io.aijobs.processor.admission;

import static io.aijobs.processor.admission.AdmissionFixtures.candidate;
import static io.aijobs.processor.admission.AdmissionFixtures.job;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.contracts.JobValidator;
import io.aijobs.schema.FailureCategory;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContractCheckTest {

    private final ContractCheck check = new ContractCheck(new JobValidator(1000));

    @Test
    void shouldAdmitAJobThatMeetsTheContract() {
        assertThat(check.check(candidate(job("j-1").build()))).isEqualTo(Verdict.admit());
    }

    @Test
    void shouldRejectAJobThatBreaksTheContractAsInvalidListingTheViolations() {
        Verdict verdict = check.check(candidate(job("j-1").setMessages(List.of()).build()));

        assertThat(verdict).isInstanceOfSatisfying(Verdict.Reject.class, reject -> {
            assertThat(reject.failure().category()).isEqualTo(FailureCategory.INVALID);
            assertThat(reject.failure().errorType()).isEqualTo("contract_violation");
            assertThat(reject.failure().message()).contains("messages");
        });
    }
}
