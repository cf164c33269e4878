package io.aijobs.processor.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aijobs.contracts.CallOutcomes;
import io.aijobs.model.ModelOutcome;
import io.aijobs.schema.CallOutcome;
import io.aijobs.schema.FailureCategory;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FailureClassifierTest {

    private static final List<ModelOutcome> FAILED = List.of(
            new ModelOutcome.Refusal("m", "content_filter", 3, 0, 0, Duration.ZERO),
            new ModelOutcome.RateLimited(Optional.empty(), Duration.ZERO),
            new ModelOutcome.Timeout(Optional.of(504), Duration.ZERO),
            new ModelOutcome.ServerError(503, "busy", Duration.ZERO),
            new ModelOutcome.ConnectionError("refused", Duration.ZERO),
            new ModelOutcome.InvalidRequest(400, Optional.empty(), "bad", Duration.ZERO));

    @Test
    void shouldClassifyEveryFailedCallAsTheCostAggregatorCountsIt() {
        for (ModelOutcome outcome : FAILED) {
            assertThat(FailureClassifier.of(outcome).category()).as(outcome.toString())
                    .isEqualTo(CallOutcomes.failureCategory(FailureClassifier.callOutcome(outcome)));
        }
    }

    @Test
    void shouldRecordEachFailedCallUnderItsOwnUsageOutcome() {
        assertThat(FAILED.stream().map(FailureClassifier::callOutcome)).containsExactly(CallOutcome.REFUSAL,
                CallOutcome.RATE_LIMITED, CallOutcome.TIMEOUT, CallOutcome.SERVER_ERROR, CallOutcome.CONNECTION_ERROR,
                CallOutcome.INVALID_REQUEST);
    }

    @Test
    void shouldClassifyARefusalAsPermanent() {
        assertThat(FailureClassifier.of(FAILED.get(0)).category()).isEqualTo(FailureCategory.PERMANENT);
    }

    @Test
    void shouldRefuseToClassifyASuccess() {
        assertThatThrownBy(() -> FailureClassifier.of(new ModelOutcome.Success("m", "hi", "stop", 1, 0, 1, Duration.ZERO)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
