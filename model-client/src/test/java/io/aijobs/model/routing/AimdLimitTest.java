package io.aijobs.model.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AimdLimitTest {

    @Test
    void shouldCutOncePerRoundWhateverTheNumberOfRejectedCallsThatWereAlreadyOpen() {
        AimdLimit limit = new AimdLimit(100, true);
        long[] open = new long[100];
        for (int i = 0; i < 100; i++) {
            open[i] = limit.tryAcquire();
        }

        for (int i = 0; i < 50; i++) {
            limit.onOverload(open[i]);
        }

        assertThat(limit.limit()).isEqualTo(90);
        assertThat(limit.inFlight()).isEqualTo(50);
    }

    @Test
    void shouldCutAgainForACallStartedAfterTheLastCut() {
        AimdLimit limit = new AimdLimit(100, true);
        long first = limit.tryAcquire();
        limit.onOverload(first);
        long second = limit.tryAcquire();

        limit.onOverload(second);

        assertThat(limit.limit()).isEqualTo(81);
    }

    @Test
    void shouldGrowByAboutOnePerRoundOfSuccessfulCallsUpToItsMaximum() {
        AimdLimit limit = new AimdLimit(20, true);
        long ticket = limit.tryAcquire();
        limit.onOverload(ticket); // 18
        assertThat(limit.limit()).isEqualTo(18);

        for (int i = 0; i < 18; i++) {
            long[] round = new long[18];
            for (int j = 0; j < 18; j++) {
                round[j] = limit.tryAcquire();
            }
            for (long t : round) {
                limit.onSuccess(t);
            }
        }

        assertThat(limit.limit()).isEqualTo(20);
    }

    @Test
    void shouldNotGrowWhileLessThanHalfOfTheLimitIsInUse() {
        AimdLimit limit = new AimdLimit(100, true);
        limit.onOverload(limit.tryAcquire()); // 90

        for (int i = 0; i < 1_000; i++) {
            limit.onSuccess(limit.tryAcquire());
        }

        assertThat(limit.limit()).isEqualTo(90);
    }

    @Test
    void shouldNotMoveWhenFixed() {
        AimdLimit limit = new AimdLimit(256, false);
        for (int i = 0; i < 100; i++) {
            limit.onOverload(limit.tryAcquire());
        }

        assertThat(limit.limit()).isEqualTo(256);
    }

    @Test
    void shouldNeverCutBelowOne() {
        AimdLimit limit = new AimdLimit(3, true);
        for (int i = 0; i < 50; i++) {
            limit.onOverload(limit.tryAcquire());
        }

        assertThat(limit.limit()).isEqualTo(1);
        assertThat(limit.tryAcquire()).isNotNegative();
    }
}
