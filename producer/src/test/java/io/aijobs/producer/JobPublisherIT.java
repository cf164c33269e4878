package io.aijobs.producer;

import io.aijobs.contracts.InvalidJobException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.aijobs.contracts.JobHeaders;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.junit.DevStackExtension;
import io.aijobs.schema.JobRequest;
import io.aijobs.serde.AvroDeserializer;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(DevStackExtension.class)
class JobPublisherIT {

    private final JobJson json = new JobJson(Clock.systemUTC());
    private String tenant;
    private String topic;

    @BeforeEach
    void createTenantTopic(StackEndpoints stack) throws Exception {
        tenant = "pub-" + UUID.randomUUID().toString().substring(0, 8);
        topic = "tenant." + tenant + ".jobs";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    private JobPublisher publisher(StackEndpoints stack) {
        return JobPublisher.create(Map.of(
                PublisherConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                PublisherConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl(),
                PublisherConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true));
    }

    private JobRequest job(String jobId) {
        return json.parse("{\"jobId\":\"" + jobId + "\",\"tenantId\":\"" + tenant + "\",\"model\":\"m\","
                + "\"traceId\":\"trace-" + jobId + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
    }

    @Test
    void shouldPublishAConfluentFramedJobKeyedByJobIdWithHeaders(StackEndpoints stack) throws Exception {
        RecordMetadata metadata;
        try (JobPublisher publisher = publisher(stack)) {
            metadata = publisher.publishAndWait(job("job-7"), Duration.ofSeconds(30));
        }

        assertThat(metadata.topic()).isEqualTo(topic);
        ConsumerRecord<String, byte[]> record = readRaw(stack, 1).get(0);
        assertThat(record.key()).isEqualTo("job-7");
        assertThat(record.value()[0]).isZero();
        int schemaId = ByteBuffer.wrap(record.value(), 1, 4).getInt();
        assertThat(new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10)).schemaById(schemaId))
                .isEqualTo(JobRequest.getClassSchema());
        assertThat(header(record, JobHeaders.TENANT)).isEqualTo(tenant);
        assertThat(header(record, JobHeaders.JOB_ID)).isEqualTo("job-7");
        assertThat(header(record, JobHeaders.TRACE_ID)).isEqualTo("trace-job-7");
        try (AvroDeserializer<JobRequest> deserializer = new AvroDeserializer<>(JobRequest.class,
                new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10)))) {
            assertThat(deserializer.deserialize(topic, record.value()).getJobId()).isEqualTo("job-7");
        }
    }

    @Test
    void shouldSendNothingForAnInvalidJob(StackEndpoints stack) throws Exception {
        JobRequest invalid = job("job-8");
        invalid.setMessages(List.of());

        try (JobPublisher publisher = publisher(stack)) {
            assertThatThrownBy(() -> publisher.publish(invalid))
                    .isInstanceOf(InvalidJobException.class)
                    .hasMessageContaining("messages");
            publisher.publishAndWait(job("job-9"), Duration.ofSeconds(30));
        }

        assertThat(readRaw(stack, 1)).extracting(ConsumerRecord::key).containsExactly("job-9");
        assertThat(endOffsetsSum(stack)).isEqualTo(1);
    }

    private List<ConsumerRecord<String, byte[]>> readRaw(StackEndpoints stack, int expected) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= expected;
            });
            return records;
        }
    }

    private long endOffsetsSum(StackEndpoints stack) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1), new TopicPartition(topic, 2));
            return consumer.endOffsets(partitions, Duration.ofSeconds(30)).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
