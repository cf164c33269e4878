package io.aijobs.processor.failure;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.model.ModelOutcome;
import io.aijobs.schema.FailureCategory;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FailurePoliciesTest {

    private static final long NOW = 1_000_000L;
    private static final RetryPolicy TRANSIENT = new RetryPolicy(5, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(5), "transient");

    private static FailurePolicies policies(double jitter, double random) {
        return new FailurePolicies(Map.of(FailureCategory.TRANSIENT, TRANSIENT, FailureCategory.RATE_LIMITED,
                new RetryPolicy(3, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(10), "rate-limited")), jitter, () -> random);
    }

    private static Failure serverError() {
        return FailureClassifier.of(new ModelOutcome.ServerError(502, "bad gateway", Duration.ZERO));
    }

    @Test
    void shouldClassifyEveryModelOutcome() {
        assertThat(FailureClassifier.of(new ModelOutcome.Timeout(Optional.empty(), Duration.ZERO)).category())
                .isEqualTo(FailureCategory.TRANSIENT);
        assertThat(FailureClassifier.of(new ModelOutcome.ConnectionError("refused", Duration.ZERO)).category())
                .isEqualTo(FailureCategory.TRANSIENT);
        assertThat(serverError().category()).isEqualTo(FailureCategory.TRANSIENT);
        Failure limited = FailureClassifier.of(new ModelOutcome.RateLimited(Optional.of(Duration.ofSeconds(3)), Duration.ZERO));
        assertThat(limited.category()).isEqualTo(FailureCategory.RATE_LIMITED);
        assertThat(limited.retryAfter()).contains(Duration.ofSeconds(3));
        Failure invalid = FailureClassifier.of(new ModelOutcome.InvalidRequest(404, Optional.of("model_not_found"), "no such model",
                Duration.ZERO));
        assertThat(invalid.category()).isEqualTo(FailureCategory.PERMANENT);
        assertThat(invalid.errorCode()).isEqualTo("model_not_found");
        assertThat(FailureClassifier.of(new ModelOutcome.Refusal("m", "content_filter", 1, 0, 0, Duration.ZERO)).errorType())
                .isEqualTo("model_content_filter");
    }

    @Test
    void shouldBackOffExponentiallyUpToTheCap() {
        FailurePolicies noJitter = policies(0, 0.7);

        assertThat(delay(noJitter.decide(serverError(), 1, NOW, null))).isEqualTo(1000);
        assertThat(delay(noJitter.decide(serverError(), 2, NOW, null))).isEqualTo(2000);
        assertThat(delay(noJitter.decide(serverError(), 3, NOW, null))).isEqualTo(4000);
        assertThat(delay(noJitter.decide(serverError(), 4, NOW, null))).isEqualTo(5000);
        assertThat(TRANSIENT.backoffMillis(10_000)).isEqualTo(5000);
    }

    @Test
    void shouldTakeJitterOffTheDelayAndNeverAddIt() {
        assertThat(delay(policies(0.2, 0.999).decide(serverError(), 1, NOW, null))).isBetween(800L, 801L);
        assertThat(delay(policies(0.2, 0.0).decide(serverError(), 1, NOW, null))).isEqualTo(1000);
    }

    @Test
    void shouldWaitAtLeastRetryAfterEvenWhenBackoffIsShorter() {
        Failure limited = FailureClassifier.of(new ModelOutcome.RateLimited(Optional.of(Duration.ofSeconds(30)), Duration.ZERO));

        FailurePolicies.Retry retry = (FailurePolicies.Retry) policies(0.2, 0.9).decide(limited, 1, NOW, null);

        assertThat(retry.delayMillis()).isEqualTo(30_000);
        assertThat(retry.dueAt()).isEqualTo(NOW + 30_000);
        assertThat(retry.policy().tier()).isEqualTo("rate-limited");
    }

    @Test
    void shouldDeadLetterWhenAttemptsAreUsedUpOrTheCategoryIsNotRetried() {
        FailurePolicies policies = policies(0, 0);

        assertThat(policies.decide(serverError(), 5, NOW, null)).isInstanceOfSatisfying(FailurePolicies.DeadLetter.class,
                dead -> assertThat(dead.failure().category()).isEqualTo(FailureCategory.TRANSIENT));
        Failure permanent = FailureClassifier.of(new ModelOutcome.InvalidRequest(400, Optional.empty(), "bad", Duration.ZERO));
        assertThat(policies.decide(permanent, 1, NOW, null)).isInstanceOf(FailurePolicies.DeadLetter.class);
    }

    @Test
    void shouldExpireWhenTheDeadlineComesBeforeTheNextAttempt() {
        FailurePolicies policies = policies(0, 0);

        assertThat(policies.decide(serverError(), 1, NOW, Instant.ofEpochMilli(NOW + 999)))
                .isInstanceOfSatisfying(FailurePolicies.DeadLetter.class,
                        dead -> assertThat(dead.failure().category()).isEqualTo(FailureCategory.EXPIRED));
        assertThat(policies.decide(serverError(), 1, NOW, Instant.ofEpochMilli(NOW + 1001))).isInstanceOf(FailurePolicies.Retry.class);
    }

    private static long delay(FailurePolicies.Decision decision) {
        return ((FailurePolicies.Retry) decision).delayMillis();
    }
}
