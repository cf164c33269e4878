package io.aijobs.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aijobs.contracts.SampleJobs;
import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.Topic;
import io.aijobs.contracts.TopicNames;
import io.aijobs.contracts.Topics;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.junit.DevStackExtension;
import io.aijobs.schema.JobRequest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The serde through real Kafka clients, configured by class name, and inside a real Streams application. */
@ExtendWith(DevStackExtension.class)
class AvroSerdeIT {

    private static void createTopics(StackEndpoints stack, String... topics) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            List<NewTopic> newTopics = new ArrayList<>();
            for (String topic : topics) {
                newTopics.add(new NewTopic(topic, 1, (short) 1));
            }
            admin.createTopics(newTopics).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static Map<String, Object> consumerConfig(StackEndpoints stack, String group) {
        return Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
    }

    private static <V> List<ConsumerRecord<String, V>> readAll(KafkaConsumer<String, V> consumer, String topic, int expected) {
        consumer.subscribe(List.of(topic));
        List<ConsumerRecord<String, V>> records = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            return records.size() >= expected;
        });
        return records;
    }

    @Test
    void shouldProduceAndConsumeWithSerdesConfiguredByClassName(StackEndpoints stack) throws Exception {
        TenantId tenant = TenantId.of("serde-" + UUID.randomUUID().toString().substring(0, 8));
        String topic = TopicNames.defaults().jobs(tenant);
        createTopics(stack, topic);
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class.getName());
        producerProps.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
        producerProps.put(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, "true");
        JobRequest job = SampleJobs.job("job-1", tenant.value());

        RecordMetadata sent;
        try (KafkaProducer<String, JobRequest> producer = new KafkaProducer<>(producerProps)) {
            sent = producer.send(new ProducerRecord<>(topic, job.getJobId(), job)).get(30, TimeUnit.SECONDS);
        }

        Map<String, Object> specific = new java.util.HashMap<>(consumerConfig(stack, "specific-" + tenant));
        specific.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        specific.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class.getName());
        specific.put(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, "true");
        try (KafkaConsumer<String, JobRequest> consumer = new KafkaConsumer<>(specific)) {
            assertThat(readAll(consumer, topic, 1)).singleElement().satisfies(r -> {
                assertThat(r.key()).isEqualTo("job-1");
                assertThat(r.value()).isEqualTo(job);
                assertThat(r.offset()).isEqualTo(sent.offset());
            });
        }

        Map<String, Object> generic = new java.util.HashMap<>(consumerConfig(stack, "generic-" + tenant));
        generic.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        generic.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class.getName());
        try (KafkaConsumer<String, GenericRecord> consumer = new KafkaConsumer<>(generic)) {
            assertThat(readAll(consumer, topic, 1)).singleElement()
                    .satisfies(r -> assertThat(r.value().get("tenantId").toString()).isEqualTo(tenant.value()));
        }

        Map<String, Object> raw = new java.util.HashMap<>(consumerConfig(stack, "raw-" + tenant));
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(raw, new StringDeserializer(), new ByteArrayDeserializer())) {
            byte[] bytes = readAll(consumer, topic, 1).get(0).value();
            int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
            assertThat(bytes[0]).isZero();
            RestSchemaRegistryClient client = new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10));
            assertThat(client.schemaById(id)).isEqualTo(JobRequest.getClassSchema());
            assertThat(client.lookup(topic + "-value", JobRequest.getClassSchema()).id()).isEqualTo(id);
        }
    }

    @Test
    void shouldServeAsTheSerdeOfAnExactlyOnceStreamsApplication(StackEndpoints stack) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        TopicNames names = new TopicNames("it-" + run + ".tenant.", "it-" + run + ".platform.");
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10));
        Topics topics = new Topics(io.aijobs.contracts.TopicCatalog.of(names), client, new AvroSerdeConfig(Map.of(
                AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl(),
                AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true)));
        Topic<String, JobRequest> in = topics.jobs(TenantId.of("a"));
        Topic<String, JobRequest> out = topics.jobs(TenantId.of("b"));
        createTopics(stack, in.name(), out.name());

        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in.name(), Consumed.with(in.keySerde(), in.valueSerde()).withName("read-jobs"))
                .mapValues(job -> JobRequest.newBuilder(job).setTenantId("b").build(), Named.as("retag"))
                .to(out.name(), Produced.with(out.keySerde(), out.valueSerde()).withName("write-jobs"));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "serde-it-" + run);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, java.nio.file.Files.createTempDirectory("streams-").toString());

        try (KafkaProducer<String, JobRequest> producer = in.producer(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()));
             KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            streams.start();
            for (int i = 0; i < 5; i++) {
                producer.send(in.record("job-" + i, SampleJobs.job("job-" + i, "a")));
            }
            producer.flush();

            try (KafkaConsumer<String, JobRequest> consumer = out.consumer(consumerConfig(stack, "streams-" + run))) {
                List<ConsumerRecord<String, JobRequest>> records = readAll(consumer, out.name(), 5);
                assertThat(records).extracting(ConsumerRecord::key).containsExactly("job-0", "job-1", "job-2", "job-3", "job-4");
                assertThat(records).allSatisfy(r -> assertThat(r.value().getTenantId()).isEqualTo("b"));
            }
            streams.close(Duration.ofSeconds(30));
        }
    }
}
