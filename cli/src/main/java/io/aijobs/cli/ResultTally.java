package io.aijobs.cli;

import io.aijobs.contracts.Topics;
import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicNames;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.JobResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the demo tenants' results and dead letters written from now on, as a {@code read_committed} consumer
 * sees them, and keeps per tenant the counts, the cost and the latencies, for the live summary. Counts records,
 * not offsets: transactional topics also hold commit markers. Single-threaded; no consumer group.
 */
final class ResultTally implements AutoCloseable {

    /** Figures of one tenant so far. */
    static final class Figures {
        long published;
        long results;
        long deadLetters;
        long costNanos;
        /** Results answered from the tenant's response cache, and what their calls would have cost. */
        long cached;
        long savedNanos;
        long modelLatencyMsTotal;
        long endToEndMsTotal;

        /** Over the results that came from a call: a cached answer had no model latency. */
        long averageModelLatencyMs() {
            return results - cached == 0 ? 0 : modelLatencyMsTotal / (results - cached);
        }

        long averageEndToEndMs() {
            return results == 0 ? 0 : endToEndMsTotal / results;
        }
    }

    private final KafkaConsumer<String, Object> consumer;
    private final Map<String, Figures> byTenant = new HashMap<>();

    /** @param clientConfig bootstrap servers and, on a secure stack, the operator's security properties */
    ResultTally(Map<String, Object> clientConfig, Topics topics, List<TenantId> tenants) {
        TopicNames names = topics.names();
        Deserializer<JobResult> results = topics.resultsOfTenants().valueSerde().deserializer();
        Deserializer<JobFailure> failures = topics.deadLettersOfTenants().valueSerde().deserializer();
        Deserializer<Object> values = (topic, bytes) -> names.tenantOf(topic, TopicNames.TenantTopic.RESULTS).isPresent()
                ? results.deserialize(topic, bytes) : failures.deserialize(topic, bytes);
        Map<String, Object> config = new java.util.HashMap<>(clientConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer = new KafkaConsumer<>(config,
                new StringDeserializer(), values);
        List<TopicPartition> partitions = new ArrayList<>();
        for (TenantId tenant : tenants) {
            for (int p = 0; p < io.aijobs.contracts.TopicCatalog.DEFAULT_PARTITIONS; p++) {
                partitions.add(new TopicPartition(names.results(tenant), p));
                partitions.add(new TopicPartition(names.deadLetter(tenant), p));
            }
            byTenant.put(tenant.value(), new Figures());
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(partition -> consumer.position(partition, Duration.ofSeconds(30)));
    }

    void published(String tenant) {
        synchronized (byTenant) {
            byTenant.computeIfAbsent(tenant, t -> new Figures()).published++;
        }
    }

    /** Takes in what arrived since the last call. */
    void poll() {
        for (ConsumerRecord<String, Object> record : consumer.poll(Duration.ofMillis(100))) {
            synchronized (byTenant) {
                if (record.value() instanceof JobResult result) {
                    Figures figures = byTenant.computeIfAbsent(result.getTenantId(), t -> new Figures());
                    figures.results++;
                    figures.costNanos += result.getCost().getAmountNanos();
                    if (result.getCached()) {
                        figures.cached++;
                        figures.savedNanos += result.getSavedCost() == null ? 0 : result.getSavedCost().getAmountNanos();
                    }
                    figures.modelLatencyMsTotal += result.getTimings().getModelLatencyMs();
                    figures.endToEndMsTotal += Math.max(0, result.getTimings().getCompletedAt().toEpochMilli()
                            - result.getTimings().getSubmittedAt().toEpochMilli());
                } else if (record.value() instanceof JobFailure failure && failure.getTenantId() != null) {
                    byTenant.computeIfAbsent(failure.getTenantId(), t -> new Figures()).deadLetters++;
                }
            }
        }
    }

    Figures figures(String tenant) {
        synchronized (byTenant) {
            return byTenant.getOrDefault(tenant, new Figures());
        }
    }

    long outcomes() {
        synchronized (byTenant) {
            return byTenant.values().stream().mapToLong(f -> f.results + f.deadLetters).sum();
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
