package io.aijobs.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aijobs.devstack.junit.DevStackExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(DevStackExtension.class)
class DevStackIT {

    @Test
    void shouldRunATransactionalRoundTripOnTheProcessBroker(StackEndpoints stack) throws Exception {
        String topic = "devstack-it-roundtrip";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "devstack-it-tx"), new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "committed"));
            producer.commitTransaction();
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "devstack-it",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            ConsumerRecords<String, String> records = ConsumerRecords.empty();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (records.isEmpty() && System.nanoTime() < deadline) {
                records = consumer.poll(Duration.ofMillis(500));
            }
            assertThat(records).extracting(r -> r.value()).containsExactly("committed");
        }
    }

    @Test
    void shouldNotAutoCreateTopics(StackEndpoints stack) throws Exception {
        String topic = "devstack-it-never-created";
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 2000), new StringSerializer(), new StringSerializer())) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "v")).get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class)
                    .hasMessageContaining(topic);
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain(topic);
        }
    }

    @Test
    void shouldServeTheConfluentApiWithBackwardCompatibility(StackEndpoints stack) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(stack.schemaRegistryUrl() + "/config")).timeout(java.time.Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(stack.schemaRegistryUrl()).startsWith("http://127.0.0.1:");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"BACKWARD\"");
    }

    @Test
    void shouldRefuseToStartAStackOnAPortInUseNamingThePortAndTheOptionAndLeaveNothingRunning(StackEndpoints stack,
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        int taken = Integer.parseInt(stack.bootstrapServers().substring(stack.bootstrapServers().lastIndexOf(':') + 1));
        StackSettings free = StackSettings.ephemeral(dir);
        StackSettings clashing = new StackSettings(dir, taken, free.controllerPort(), free.registryPort(), free.modelPort(),
                free.modelLatency(), false, free.startTimeout(), false);

        assertThatThrownBy(() -> DevStack.up(clashing, false, line -> { }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Port " + taken)
                .hasMessageContaining("--kafka-port");
        assertThat(DevStack.find(dir)).as("no stack runs from the folder").isEmpty();
        assertThat(DevStack.status(dir)).allSatisfy(line -> assertThat(line).contains("not running"));
    }
}
