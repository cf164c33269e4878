package io.aijobs.application;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * Whether an application is alive and whether it is ready for work, as {@code /health/live} and
 * {@code /health/ready} report them.
 *
 * <ul>
 *   <li><b>Live</b> unless Kafka Streams is in {@code ERROR}, or {@code PENDING_ERROR}, or was closed: a live
 *       application that is not ready is waiting, not broken, and must not be restarted for it.
 *   <li><b>Ready</b> when Kafka Streams is {@code RUNNING}, no state store is being restored, and the schema registry
 *       answers. Not ready while rebalancing or restoring. The registry is asked at most once per
 *       {@link #REGISTRY_PROBE_INTERVAL}; the last answer is reused in between.
 * </ul>
 */
public final class Health {

    /** How long one answer of the registry stands for its reachability. */
    public static final Duration REGISTRY_PROBE_INTERVAL = Duration.ofSeconds(5);

    /** One check: whether it passes, and what it saw. */
    public record Check(boolean ok, String detail) {
    }

    /** The outcome of one health question: passes when every check does. */
    public record Report(boolean ok, Map<String, Check> checks) {
    }

    private final Supplier<KafkaStreams.State> streams;
    private final BooleanSupplier registryAnswers;
    private final Clock clock;
    private final AtomicInteger restoring = new AtomicInteger();
    private volatile long registryCheckedAt = Long.MIN_VALUE;
    private volatile boolean registryUp;

    /**
     * @param streams         Kafka Streams' state now
     * @param registryAnswers true when the schema registry answers a request now (it may throw: that is a no)
     */
    public Health(Supplier<KafkaStreams.State> streams, BooleanSupplier registryAnswers, Clock clock) {
        this.streams = Objects.requireNonNull(streams, "streams");
        this.registryAnswers = Objects.requireNonNull(registryAnswers, "registryAnswers");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Counts the stores being restored; registered on Kafka Streams before it starts. */
    public StateRestoreListener restoreListener() {
        return new StateRestoreListener() {
            @Override
            public void onRestoreStart(TopicPartition partition, String storeName, long startingOffset, long endingOffset) {
                restoring.incrementAndGet();
            }

            @Override
            public void onBatchRestored(TopicPartition partition, String storeName, long batchEndOffset, long numRestored) {
            }

            @Override
            public void onRestoreEnd(TopicPartition partition, String storeName, long totalRestored) {
                restoring.decrementAndGet();
            }

            @Override
            public void onRestoreSuspended(TopicPartition partition, String storeName, long totalRestored) {
                restoring.decrementAndGet();
            }
        };
    }

    public Report live() {
        KafkaStreams.State state = streams.get();
        boolean alive = state != KafkaStreams.State.ERROR && state != KafkaStreams.State.PENDING_ERROR
                && state != KafkaStreams.State.PENDING_SHUTDOWN && state != KafkaStreams.State.NOT_RUNNING;
        return new Report(alive, Map.of("streams", new Check(alive, state.name())));
    }

    public Report ready() {
        Map<String, Check> checks = new LinkedHashMap<>();
        KafkaStreams.State state = streams.get();
        checks.put("streams", new Check(state == KafkaStreams.State.RUNNING, state.name()));
        int stores = Math.max(0, restoring.get());
        checks.put("restoration", new Check(stores == 0, stores == 0 ? "none" : stores + " store partition(s) restoring"));
        boolean registry = registryUp();
        checks.put("schemaRegistry", new Check(registry, registry ? "answers" : "does not answer"));
        return new Report(checks.values().stream().allMatch(Check::ok), checks);
    }

    private boolean registryUp() {
        long now = clock.millis();
        if (now - registryCheckedAt >= REGISTRY_PROBE_INTERVAL.toMillis() || registryCheckedAt == Long.MIN_VALUE) {
            boolean up;
            try {
                up = registryAnswers.getAsBoolean();
            } catch (RuntimeException e) {
                up = false;
            }
            registryUp = up;
            registryCheckedAt = now;
        }
        return registryUp;
    }
}
