package io.aijobs.processor;

import static org.awaitility.Awaitility.await;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicNames;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.producer.JobPublisher;
import io.aijobs.producer.PublisherConfig;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.serde.AvroDeserializer;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * One isolated processor deployment on the shared test stack: its own topic prefixes (so no other test's tenants
 * match its pattern), application id, tenant and state folders.
 */
final class ProcessorHarness {

    static final int PARTITIONS = 3;

    final StackEndpoints stack;
    final String run = UUID.randomUUID().toString().substring(0, 8);
    final TopicNames names = new TopicNames("it" + run + ".tenant.", "it" + run + ".platform.");
    final TenantId tenant = TenantId.of("acme");

    ProcessorHarness(StackEndpoints stack) throws Exception {
        this.stack = stack;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            List<NewTopic> topics = new ArrayList<>();
            io.aijobs.contracts.TopicCatalog.of(names).topics(List.of(tenant)).forEach(spec -> topics.add(spec.newTopic(Map.of())));
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
            io.aijobs.devstack.TopicReadiness.await(admin, topics.stream().map(NewTopic::name).toList(), Duration.ofSeconds(60));
        }
    }

    Map<String, Object> config(String modelBaseUrl, Map<String, Object> overrides) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(ProcessorConfig.APPLICATION_ID_CONFIG, "processor-it-" + run);
        props.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
        props.put(ProcessorConfig.AUTO_REGISTER_SCHEMAS_CONFIG, "true");
        props.put(ProcessorConfig.TENANT_TOPIC_PREFIX_CONFIG, names.tenantPrefix());
        props.put(ProcessorConfig.PLATFORM_TOPIC_PREFIX_CONFIG, names.platformPrefix());
        props.put(ProcessorConfig.MODEL_BASE_URL_CONFIG, modelBaseUrl);
        props.put(ProcessorConfig.PRICING_MODELS_CONFIG, "stub-model=1.00:2.00");
        props.put(ProcessorConfig.TENANT_DISCOVERY_INTERVAL_MS_CONFIG, "2000");
        props.put(ProcessorConfig.STREAMS_PREFIX + "state.dir", Files.createTempDirectory("processor-it-").toString());
        props.put(ProcessorConfig.STREAMS_PREFIX + "consumer.session.timeout.ms", "10000");
        props.putAll(overrides);
        return props;
    }

    JobPublisher publisher() {
        return JobPublisher.create(Map.of(
                PublisherConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                PublisherConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl(),
                PublisherConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true,
                PublisherConfig.TENANT_TOPIC_PREFIX_CONFIG, names.tenantPrefix(),
                PublisherConfig.PLATFORM_TOPIC_PREFIX_CONFIG, names.platformPrefix(),
                // see TopicReadiness: one batch in flight per partition keeps a retried first batch in order
                "max.in.flight.requests.per.connection", 1));
    }

    JobRequest job(String jobId) {
        return JobRequest.newBuilder().setJobId(jobId).setTenantId(tenant.value()).setModel("stub-model")
                .setMessages(List.of(new ChatMessage("user", "Summarise job " + jobId)))
                .setParameters(JobParameters.newBuilder().setMaxOutputTokens(32).build())
                .setSubmittedAt(Instant.now()).build();
    }

    /** Every result committed so far, as a {@code read_committed} consumer sees it. */
    List<JobResult> committedResults() {
        return committed(names.results(tenant), JobResult.class).stream().map(ConsumerRecord::value).toList();
    }

    /** Every record committed so far on {@code topic}, decoded as {@code type}. */
    <V extends org.apache.avro.specific.SpecificRecord> List<ConsumerRecord<String, V>> committed(String topic, Class<V> type) {
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

    /** Settings for {@link io.aijobs.producer.DeadLetters} on this deployment. */
    Map<String, Object> toolConfig() {
        return Map.of(PublisherConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                PublisherConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl(),
                PublisherConfig.TENANT_TOPIC_PREFIX_CONFIG, names.tenantPrefix(),
                PublisherConfig.PLATFORM_TOPIC_PREFIX_CONFIG, names.platformPrefix());
    }
}
