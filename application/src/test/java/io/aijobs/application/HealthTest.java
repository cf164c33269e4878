package io.aijobs.application;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams.State;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.junit.jupiter.api.Test;

class HealthTest {

    private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);
    private final AtomicInteger registryCalls = new AtomicInteger();
    private volatile boolean registryUp = true;
    private final MutableClock clock = new MutableClock();
    private final Health health = new Health(state::get, () -> {
        registryCalls.incrementAndGet();
        if (!registryUp) {
            throw new IllegalStateException("connection refused");
        }
        return true;
    }, clock);

    @Test
    void shouldBeReadyOnlyWhenRunningWithNothingRestoringAndTheRegistryAnswering() {
        assertThat(health.ready().ok()).isTrue();

        for (State notRunning : new State[] {State.CREATED, State.REBALANCING, State.PENDING_SHUTDOWN, State.ERROR}) {
            state.set(notRunning);
            assertThat(health.ready().ok()).as(notRunning.name()).isFalse();
            assertThat(health.ready().checks().get("streams").detail()).isEqualTo(notRunning.name());
        }
    }

    @Test
    void shouldNotBeReadyWhileAStoreRestores() {
        StateRestoreListener restores = health.restoreListener();
        TopicPartition changelog = new TopicPartition("app-job-state-changelog", 0);

        restores.onRestoreStart(changelog, "job-state", 0, 100);
        assertThat(health.ready().ok()).isFalse();
        assertThat(health.ready().checks().get("restoration").detail()).isEqualTo("1 store partition(s) restoring");

        restores.onRestoreEnd(changelog, "job-state", 100);
        assertThat(health.ready().ok()).isTrue();

        restores.onRestoreStart(changelog, "job-state", 0, 100);
        restores.onRestoreSuspended(changelog, "job-state", 40);
        assertThat(health.ready().ok()).as("a suspended restoration (task moved away) no longer counts").isTrue();
    }

    @Test
    void shouldNotBeReadyWhenTheRegistryFailsAndAskItAtMostOncePerInterval() {
        registryUp = false;
        assertThat(health.ready().ok()).isFalse();
        assertThat(health.ready().checks().get("schemaRegistry").detail()).isEqualTo("does not answer");
        assertThat(registryCalls).as("the second question within the interval reuses the answer").hasValue(1);

        registryUp = true;
        clock.advanceMillis(Health.REGISTRY_PROBE_INTERVAL.toMillis());
        assertThat(health.ready().ok()).isTrue();
        assertThat(registryCalls).hasValue(2);
    }

    @Test
    void shouldBeLiveWhileWaitingButNotAfterAnErrorOrClose() {
        for (State waiting : new State[] {State.CREATED, State.REBALANCING, State.RUNNING}) {
            state.set(waiting);
            assertThat(health.live().ok()).as(waiting.name()).isTrue();
        }
        for (State dead : new State[] {State.PENDING_ERROR, State.ERROR, State.PENDING_SHUTDOWN, State.NOT_RUNNING}) {
            state.set(dead);
            assertThat(health.live().ok()).as(dead.name()).isFalse();
        }
    }

    private static final class MutableClock extends Clock {
        private volatile long millis = Instant.parse("2026-11-30T00:00:00Z").toEpochMilli();

        void advanceMillis(long delta) {
            millis += delta;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }
    }
}
