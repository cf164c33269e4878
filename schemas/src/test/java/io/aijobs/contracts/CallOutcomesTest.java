package io.aijobs.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aijobs.schema.CallOutcome;
import io.aijobs.schema.FailureCategory;
import org.junit.jupiter.api.Test;

class CallOutcomesTest {

    @Test
    void shouldClassifyCallsThatMayWorkLaterAsTransient() {
        assertThat(CallOutcomes.failureCategory(CallOutcome.TIMEOUT)).isEqualTo(FailureCategory.TRANSIENT);
        assertThat(CallOutcomes.failureCategory(CallOutcome.SERVER_ERROR)).isEqualTo(FailureCategory.TRANSIENT);
        assertThat(CallOutcomes.failureCategory(CallOutcome.CONNECTION_ERROR)).isEqualTo(FailureCategory.TRANSIENT);
    }

    @Test
    void shouldClassifyA429AsRateLimited() {
        assertThat(CallOutcomes.failureCategory(CallOutcome.RATE_LIMITED)).isEqualTo(FailureCategory.RATE_LIMITED);
    }

    @Test
    void shouldClassifyCallsThatWillNeverWorkAsPermanent() {
        assertThat(CallOutcomes.failureCategory(CallOutcome.INVALID_REQUEST)).isEqualTo(FailureCategory.PERMANENT);
        assertThat(CallOutcomes.failureCategory(CallOutcome.REFUSAL)).isEqualTo(FailureCategory.PERMANENT);
    }

    @Test
    void shouldClassifyAnOutcomeThisReaderDoesNotKnowAsUnknown() {
        assertThat(CallOutcomes.failureCategory(CallOutcome.UNKNOWN)).isEqualTo(FailureCategory.UNKNOWN);
    }

    @Test
    void shouldRefuseToClassifyASuccessOrACacheHit() {
        assertThatThrownBy(() -> CallOutcomes.failureCategory(CallOutcome.SUCCESS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a failure");
        assertThatThrownBy(() -> CallOutcomes.failureCategory(CallOutcome.CACHE_HIT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a failure");
    }

}
