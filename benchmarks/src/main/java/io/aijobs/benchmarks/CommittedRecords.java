package io.aijobs.benchmarks;

import io.aijobs.devstack.StackEndpoints;
import io.aijobs.serde.AvroDeserializer;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a topic's committed records to its end, as a read_committed consumer sees them: the suite's counts. */
final class CommittedRecords {

    private final StackEndpoints stack;

    CommittedRecords(StackEndpoints stack) {
        this.stack = stack;
    }

    /** Every committed record of {@code topic}, up to the end offsets when called (at most 60 s of reading). */
    List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.bootstrapServers(), ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within 60 s");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    /** Every committed record of {@code topic}, decoded. */
    <T extends org.apache.avro.specific.SpecificRecord> List<T> decodeAll(String topic, Class<T> type) throws Exception {
        try (RestSchemaRegistryClient registry = new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10))) {
            AvroDeserializer<T> decoder = new AvroDeserializer<>(type, registry);
            List<T> values = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> record : readAll(topic)) {
                values.add(decoder.deserialize(topic, record.value()));
            }
            return values;
        }
    }
}
