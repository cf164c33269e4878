package io.aijobs.benchmarks;

import io.aijobs.devstack.StackEndpoints;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Every committed result from the beginning, on its own thread: counts by jobId, and arrival times by partition. */
final class ResultArrivals implements AutoCloseable {

    /** The job published first, to know the processors answer before the load starts; not counted. */
    static final String PROBE = "job--1";

    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final Map<String, Integer> byJob = new HashMap<>();
    private final List<List<Long>> byPartition = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private long total;
    private boolean probeSeen;

    ResultArrivals(StackEndpoints stack, String topic, int partitionCount) {
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer());
        for (int p = 0; p < partitionCount; p++) {
            partitions.add(new TopicPartition(topic, p));
            byPartition.add(new ArrayList<>());
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = new Thread(this::run, "chaos-arrivals");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            poll();
        }
    }

    private void poll() {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(50))) {
            long now = System.currentTimeMillis();
            synchronized (this) {
                if (record.key().equals(PROBE)) {
                    probeSeen = true;
                    continue;
                }
                total++;
                byJob.merge(record.key(), 1, Integer::sum);
                byPartition.get(record.partition()).add(now);
            }
        }
    }

    synchronized long total() {
        return total;
    }

    synchronized boolean probeSeen() {
        return probeSeen;
    }

    synchronized long distinct() {
        return byJob.size();
    }

    /** Reads what is left up to the end offsets, on the caller's thread once the watcher stopped. */
    void drain() throws InterruptedException {
        running = false;
        thread.join(10_000);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
            poll();
        }
    }

    /** The worst partition's wait, from {@code killedAt} to its first result after it; partitions with none are left out. */
    synchronized Duration recoveryAfter(long killedAt) {
        long worst = 0;
        for (List<Long> times : byPartition) {
            for (long time : times) {
                if (time >= killedAt) {
                    worst = Math.max(worst, time - killedAt);
                    break;
                }
            }
        }
        return Duration.ofMillis(worst);
    }

    /**
     * The worst partition's longest wait for a result that began between {@code from} and {@code to}: from {@code from}
     * to its first result, and between its results, each wait counted whole even if it ends after {@code to} (a wait with
     * no result after it counts until {@code to}). Unlike {@link #recoveryAfter}, this also sees a partition that
     * answered once after a fault and then stalled again (a restarted instance rejoining).
     */
    synchronized Duration longestStall(long from, long to) {
        long worst = 0;
        for (List<Long> times : byPartition) {
            long previous = from;
            boolean open = true;
            for (long time : times) {
                if (time < from) {
                    continue;
                }
                worst = Math.max(worst, time - previous);
                previous = time;
                if (previous >= to) {
                    open = false;
                    break;
                }
            }
            if (open) {
                worst = Math.max(worst, to - previous);
            }
        }
        return Duration.ofMillis(Math.max(0, worst));
    }

    /** Per partition: the last result before {@code at} and the first after it, in ms relative to it. */
    synchronized String around(long at) {
        List<String> parts = new ArrayList<>();
        for (int p = 0; p < byPartition.size(); p++) {
            long before = Long.MIN_VALUE;
            long after = Long.MAX_VALUE;
            for (long time : byPartition.get(p)) {
                if (time < at) {
                    before = Math.max(before, time);
                } else {
                    after = Math.min(after, time);
                }
            }
            parts.add("p" + p + " " + (before == Long.MIN_VALUE ? "none" : Long.toString(before - at)) + "/"
                    + (after == Long.MAX_VALUE ? "none" : "+" + (after - at)));
        }
        return String.join(", ", parts);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
        consumer.close();
    }
}
