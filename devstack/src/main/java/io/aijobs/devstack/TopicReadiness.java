package io.aijobs.devstack;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;

/**
 * Waits until newly created topics have a leader for every partition. Producing to a partition in the moments
 * after creation can fail the first batch with a retriable error while later batches of the same idempotent
 * producer are accepted; the retried first batch is then out of sequence and its records are lost
 * ({@code OutOfOrderSequenceException}, seen here). Whoever creates a topic and produces to it at once waits first.
 */
public final class TopicReadiness {

    private TopicReadiness() {
    }

    public static void await(Admin admin, Collection<String> topics, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                Map<String, TopicDescription> descriptions = admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS);
                boolean ready = descriptions.values().stream().allMatch(description -> description.partitions().stream()
                        .allMatch(partition -> partition.leader() != null && partition.leader().id() >= 0));
                if (ready) {
                    return;
                }
            } catch (Exception e) {
                // not visible yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Topics " + topics + " had no leader for every partition within " + timeout.toSeconds() + " s");
            }
            try {
                TimeUnit.MILLISECONDS.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for topics", e);
            }
        }
    }
}
