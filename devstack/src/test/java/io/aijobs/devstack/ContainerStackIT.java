package io.aijobs.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The containers backend of the tests' stack, on a machine with a Docker engine: a record goes through the broker and
 * a schema through the registry's Confluent-compatible API. Without a Docker engine this test is
 * skipped, and JUnit reports the one-line reason.
 */
class ContainerStackIT {

    @Test
    void shouldCarryARecordThroughKafkasImageAndASchemaThroughTheRegistrys() throws Exception {
        Optional<String> unavailable = ContainerStack.unavailableReason();
        Assumptions.assumeTrue(unavailable.isEmpty(), () -> unavailable.orElseThrow());

        try (ContainerStack stack = ContainerStack.start(System.out::println)) {
            StackEndpoints endpoints = stack.endpoints();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", endpoints.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("container-check", 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", endpoints.bootstrapServers()),
                    new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("container-check", "k", "v")).get(60, TimeUnit.SECONDS);
            }
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", endpoints.bootstrapServers(),
                    "group.id", "container-check", "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("container-check"));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                ConsumerRecords<String, String> records = ConsumerRecords.empty();
                while (records.isEmpty() && System.nanoTime() < deadline) {
                    records = consumer.poll(Duration.ofMillis(500));
                }
                assertThat(records.count()).isEqualTo(1);
                assertThat(records.iterator().next().value()).isEqualTo("v");
            }

            HttpClient http = HttpClient.newHttpClient();
            String schema = "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"Check\\\",\\\"fields\\\":[{\\\"name\\\":\\\"a\\\",\\\"type\\\":\\\"string\\\"}]}\"}";
            HttpResponse<String> registered = http.send(HttpRequest.newBuilder(URI.create(endpoints.schemaRegistryUrl() + "/subjects/check-value/versions"))
                    .header("Content-Type", "application/vnd.schemaregistry.v1+json").POST(HttpRequest.BodyPublishers.ofString(schema))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(registered.statusCode()).isEqualTo(200);
            assertThat(registered.body()).contains("\"id\"");
            HttpResponse<String> compatibility = http.send(HttpRequest.newBuilder(URI.create(endpoints.schemaRegistryUrl() + "/config"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(compatibility.body()).contains("BACKWARD");
        }
    }
}
