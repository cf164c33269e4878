package io.aijobs.processor.admission;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.KafkaFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Partition counts read from the cluster with an admin client and cached. The first use of a topic waits up to
 * {@code firstWait} for its count (once: a stream thread must not wait long inside a transaction); after that a count
 * older than {@code refresh} is read again in the background while the cached one serves, so a topic given more
 * partitions is seen within {@code refresh}. A failed read is logged once and tried again after {@code retry}; until a
 * count is known, {@link #partitions} answers 0.
 */
public final class TopicPartitionCounts implements PartitionCounts, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TopicPartitionCounts.class);

    private final Admin admin;
    private final Duration firstWait;
    private final Duration refresh;
    private final Duration retry;
    private final LongSupplier clockMs;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /** What is known of one topic; guarded by itself. */
    private static final class Entry {
        int partitions;
        long nextReadAtMs;
        KafkaFuture<?> reading;
        boolean tried;
        boolean warned;
    }

    public TopicPartitionCounts(Admin admin, Duration firstWait, Duration refresh, Duration retry, LongSupplier clockMs) {
        this.admin = admin;
        this.firstWait = firstWait;
        this.refresh = refresh;
        this.retry = retry;
        this.clockMs = clockMs;
    }

    /** An admin client of {@code config}: waits 2 s for a topic's first count, reads counts again each minute. */
    public static TopicPartitionCounts create(Map<String, Object> config) {
        return new TopicPartitionCounts(Admin.create(config), Duration.ofSeconds(2), Duration.ofMinutes(1), Duration.ofSeconds(5),
                System::currentTimeMillis);
    }

    @Override
    public int partitions(String topic) {
        Entry entry = entries.computeIfAbsent(topic, t -> new Entry());
        KafkaFuture<?> first = null;
        synchronized (entry) {
            if (entry.reading == null && clockMs.getAsLong() >= entry.nextReadAtMs) {
                entry.reading = read(topic, entry);
                if (entry.reading.isDone()) {
                    entry.reading = null; // answered at once (a closed client): its callback ran before this assignment
                }
                if (!entry.tried && entry.reading != null) {
                    first = entry.reading;
                }
                entry.tried = true;
            }
        }
        if (first != null) {
            try {
                first.get(firstWait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                // logged by the read itself, or still under way: the count stays unknown for now
            }
        }
        synchronized (entry) {
            return entry.partitions;
        }
    }

    private KafkaFuture<?> read(String topic, Entry entry) {
        return admin.describeTopics(List.of(topic)).topicNameValues().get(topic).whenComplete((description, error) -> {
            synchronized (entry) {
                entry.reading = null;
                if (error == null) {
                    entry.partitions = description.partitions().size();
                    entry.nextReadAtMs = clockMs.getAsLong() + refresh.toMillis();
                    entry.warned = false;
                } else {
                    entry.nextReadAtMs = clockMs.getAsLong() + retry.toMillis();
                    if (!entry.warned) {
                        entry.warned = true;
                        log.warn("Cannot read the partition count of {} ({}); trying again every {} s", topic, error.toString(),
                                retry.toSeconds());
                    }
                }
            }
        });
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
