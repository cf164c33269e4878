package io.aijobs.costs;

import static org.awaitility.Awaitility.await;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicNames;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.TopicReadiness;
import io.aijobs.serde.AvroDeserializer;
import io.aijobs.serde.AvroSerdeConfig;
import io.aijobs.serde.AvroSerializer;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** An isolated deployment on the shared test stack: own topic prefixes, application ids and state folders. */
final class AggregatorHarness {

    static final int PARTITIONS = 3;

    final StackEndpoints stack;
    final String run = UUID.randomUUID().toString().substring(0, 8);
    final TopicNames names = new TopicNames("ca" + run + ".tenant.", "ca" + run + ".platform.");
    final TenantId tenant = TenantId.of("acme");

    AggregatorHarness(StackEndpoints stack) throws Exception {
        this.stack = stack;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            List<NewTopic> topics = new ArrayList<>();
            io.aijobs.contracts.TopicCatalog.of(names).topics(List.of(tenant)).forEach(spec -> topics.add(spec.newTopic(Map.of())));
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
            TopicReadiness.await(admin, topics.stream().map(NewTopic::name).toList(), Duration.ofSeconds(60));
        }
    }

    Map<String, Object> aggregatorConfig(Map<String, Object> overrides) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(CostAggregatorConfig.APPLICATION_ID_CONFIG, "aggregator-it-" + run);
        props.put(CostAggregatorConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(CostAggregatorConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
        props.put(CostAggregatorConfig.AUTO_REGISTER_SCHEMAS_CONFIG, "true");
        props.put(CostAggregatorConfig.TENANT_TOPIC_PREFIX_CONFIG, names.tenantPrefix());
        props.put(CostAggregatorConfig.PLATFORM_TOPIC_PREFIX_CONFIG, names.platformPrefix());
        props.put(CostAggregatorConfig.EMIT_INTERVAL_MS_CONFIG, "500");
        props.put(CostAggregatorConfig.STREAMS_PREFIX + "state.dir", Files.createTempDirectory("aggregator-it-").toString());
        props.putAll(overrides);
        return props;
    }

    AvroSerdeConfig serde() {
        return new AvroSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl(),
                AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true));
    }

    <V extends SpecificRecord> KafkaProducer<String, V> producer() {
        return new KafkaProducer<>(Map.of("bootstrap.servers", stack.bootstrapServers(), "enable.idempotence", true, "acks", "all",
                "max.in.flight.requests.per.connection", 1), new StringSerializer(),
                new AvroSerializer<V>(new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10)), serde(), false));
    }

    /** Every record committed so far on {@code topic}, decoded as {@code type}, as read_committed sees them. */
    <V extends SpecificRecord> List<ConsumerRecord<String, V>> committed(String topic, Class<V> type) {
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(),
                new AvroDeserializer<>(type, new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10))))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            List<ConsumerRecord<String, V>> records = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(200))) {
                    records.add(record);
                }
                return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
            });
            return records;
        }
    }
}
