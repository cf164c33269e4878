package io.aijobs.processor.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.schema.JobPriority;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FairShareTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final FairShare share = new FairShare(now::get);

    private static final JobPriority I = JobPriority.INTERACTIVE;

    /** a has started two calls and b, level with a when it arrived after a's first, none; a job of each waits. */
    private void aServedAheadOfBWithAJobOfEachWaiting() {
        share.waiting("a", I);
        share.waiting("a", I);
        share.waiting("a", I);
        share.started("a", I);
        share.waiting("b", I);
        share.started("a", I);
    }

    @Test
    void shouldDeferToATenantWaitingInAnotherTaskWithALowerCounter() {
        aServedAheadOfBWithAJobOfEachWaiting();

        // the asking task holds only a's jobs; b, waiting elsewhere and level with a's past service, is owed the slot
        assertThat(share.choose(Map.of("a", I))).isNull();
        assertThat(share.choose(Map.of("b", I))).isEqualTo("b");
    }

    @Test
    void shouldNotDeferToATenantWaitingElsewhereWhenTheAskingTaskHoldsItsThread() {
        aServedAheadOfBWithAJobOfEachWaiting();

        // a task waiting at the intake bound keeps its thread: b's task cannot take a slot left for it meanwhile
        assertThat(share.choose(Map.of("a", I))).as("a task that returns its thread defers").isNull();
        assertThat(share.choose(Map.of("a", I), false)).isEqualTo("a");
        assertThat(share.choose(Map.of("a", I, "b", I), false)).as("b still goes first where it waits").isEqualTo("b");
    }

    @Test
    void shouldStartAReturningTenantLevelWithTheLeastServedActiveOneNotBelowIt() {
        share.waiting("a", I);
        for (int i = 0; i < 100; i++) {
            share.started("a", I);
            share.waiting("a", I);
        }
        share.waiting("b", I);

        assertThat(share.counter("b")).as("idleness banks no credit").isEqualTo(share.counter("a"));
    }

    @Test
    void shouldForgetServiceNobodyCompetedForOnceATenantGoesIdle() {
        share.waiting("a", I);
        for (int i = 0; i < 100; i++) {
            share.started("a", I);
            share.ended("a");
            share.waiting("a", I);
        }
        share.stoppedWaiting("a", I);
        share.waiting("b", I);
        share.started("b", I);
        share.waiting("b", I);
        share.waiting("a", I);

        assertThat(share.counter("a")).as("a comes back level with b, not 100 starts behind it").isEqualTo(share.counter("b"));
    }

    @Test
    void shouldStopDeferringToATenantThatTakesNoSlotForTheStallLimit() {
        share.policy("b", 2.0, null);
        share.waiting("a", I);
        share.started("a", I);
        share.waiting("a", I);
        share.waiting("b", I);
        share.waiting("b", I);
        share.started("a", I);
        share.waiting("a", I);

        assertThat(share.choose(Map.of("a", I))).isNull();
        now.addAndGet(FairShare.STALL_LIMIT_MS + 1);
        assertThat(share.choose(Map.of("a", I))).as("b took no slot left for it: others go on").isEqualTo("a");
        share.started("b", I);
        assertThat(share.choose(Map.of("a", I))).as("b started again: it is owed slots again").isNull();
    }

    @Test
    void shouldSkipATenantAtItsCapAndNotDeferToIt() {
        share.policy("a", 1.0, 1);
        share.waiting("a", I);
        share.started("a", I);
        share.waiting("a", I);
        share.waiting("b", I);
        share.started("b", I);
        share.started("b", I);
        share.waiting("b", I);

        assertThat(share.choose(Map.of("a", I, "b", I))).as("a is at its cap; b is not held back by a's lower counter")
                .isEqualTo("b");
        share.ended("a");
        assertThat(share.choose(Map.of("a", I, "b", I))).isEqualTo("a");
    }

    @Test
    void shouldHoldBackATenantsBatchJobWhileOneOfItsInteractiveJobsWaitsInAnotherTask() {
        share.waiting("a", JobPriority.BATCH);
        share.waiting("a", I);

        assertThat(share.choose(Map.of("a", JobPriority.BATCH))).isNull();
        assertThat(share.choose(Map.of("a", I))).isEqualTo("a");
    }

    @Test
    void shouldCountTheCallsOpenPerTenant() {
        share.waiting("a", I);
        share.waiting("a", I);
        share.started("a", I);
        share.started("a", I);
        share.ended("a");

        assertThat(share.inFlight("a")).isEqualTo(1);
        assertThat(share.waitingJobs("a")).isZero();
    }
}
