package io.aijobs.processor.admission;

import static io.aijobs.processor.admission.AdmissionFixtures.candidate;
import static io.aijobs.processor.admission.AdmissionFixtures.job;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.processor.ProcessorConfig.UnknownModelPolicy;
import io.aijobs.processor.pricing.PriceTable;
import io.aijobs.schema.FailureCategory;
import java.util.List;
import org.junit.jupiter.api.Test;

class PriceCheckTest {

    private static final PriceTable PRICES = PriceTable.parse("test-1", "USD", List.of("m=1.00:2.00"));

    @Test
    void shouldAdmitAPricedModel() {
        assertThat(new PriceCheck(UnknownModelPolicy.REJECT, PRICES).check(candidate(job("j-1").build()))).isEqualTo(Verdict.admit());
    }

    @Test
    void shouldRejectAnUnpricedModelAsPermanentWhenThePolicyIsReject() {
        Verdict verdict = new PriceCheck(UnknownModelPolicy.REJECT, PRICES).check(candidate(job("j-1").setModel("x").build()));

        assertThat(verdict).isInstanceOfSatisfying(Verdict.Reject.class, reject -> {
            assertThat(reject.failure().category()).isEqualTo(FailureCategory.PERMANENT);
            assertThat(reject.failure().errorType()).isEqualTo("unknown_model_price");
        });
    }

    @Test
    void shouldAdmitAnUnpricedModelUnderAnyOtherPolicy() {
        for (UnknownModelPolicy policy : UnknownModelPolicy.values()) {
            if (policy != UnknownModelPolicy.REJECT) {
                assertThat(new PriceCheck(policy, PRICES).check(candidate(job("j-1").setModel("x").build()))).as(policy.name())
                        .isEqualTo(Verdict.admit());
            }
        }
    }
}
