package io.aijobs.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aijobs.devstack.DevStack;
import io.aijobs.devstack.KafkaBroker;
import io.aijobs.devstack.StackSettings;
import io.aijobs.serde.RestSchemaRegistryClient;
import io.aijobs.tls.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A broker whose client listener is TLS only, with a certificate signed by a CA made by the test: the start check
 * and clients connect with the CA's trust store, and say in one line what is wrong without it.
 */
class KafkaTlsIT {

    private static Path dir;
    private static TestCertificates certificates;
    private static DevStack stack;

    @BeforeAll
    static void up() throws Exception {
        dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "tls-stack-");
        certificates = TestCertificates.create(Files.createDirectories(dir.resolve("certs")));
        stack = DevStack.up(StackSettings.ephemeral(dir.resolve("stack")).withTls(new KafkaBroker.Tls(certificates.serverKeyStore(),
                certificates.trustStore(), certificates.password())), false, line -> { });
    }

    @AfterAll
    static void down() {
        if (stack != null) {
            stack.close();
        }
    }

    private static Properties client(Map<String, String> security) {
        Properties properties = new Properties();
        properties.put("bootstrap.servers", stack.endpoints().bootstrapServers());
        properties.putAll(security);
        return properties;
    }

    private static Map<String, String> trusting() {
        return Map.of("security.protocol", "SSL", "ssl.truststore.location", certificates.trustStore().toString(),
                "ssl.truststore.type", "PKCS12", "ssl.truststore.password", certificates.password());
    }

    @Test
    void shouldPassTheStartCheckAndCarryRecordsOverTlsWithTheCasTrustStore() throws Exception {
        try (RestSchemaRegistryClient registry = new RestSchemaRegistryClient(stack.endpoints().schemaRegistryUrl(), Duration.ofSeconds(10))) {
            Preflight.check(client(trusting()), registry, stack.endpoints().schemaRegistryUrl(), Duration.ofSeconds(30));
        }
        Map<String, Object> config = new HashMap<>();
        client(trusting()).forEach((key, value) -> config.put(key.toString(), value));
        try (Admin admin = Admin.create(config)) {
            admin.createTopics(List.of(new NewTopic("tls-it", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("tls-it", "k", "over TLS")).get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> consumerConfig = new HashMap<>(config);
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "tls-it");
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("tls-it"));
            List<String> values = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach((ConsumerRecord<String, String> record) -> values.add(record.value()));
            }
            assertThat(values).containsExactly("over TLS");
        }
    }

    @Test
    void shouldFailTheStartInOneLineWhenTheJvmsCasDoNotTrustTheBrokers() throws Exception {
        try (RestSchemaRegistryClient registry = new RestSchemaRegistryClient(stack.endpoints().schemaRegistryUrl(), Duration.ofSeconds(10))) {
            assertThatThrownBy(() -> Preflight.check(client(Map.of("security.protocol", "SSL")), registry,
                    stack.endpoints().schemaRegistryUrl(), Duration.ofSeconds(10)))
                    .isInstanceOf(Preflight.StartupException.class)
                    .hasMessageStartingWith("TLS with Kafka at " + stack.endpoints().bootstrapServers() + " failed")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }

    @Test
    void shouldFailTheStartInOneLineOnAnUnreadableTrustStore() throws Exception {
        Path garbage = Files.writeString(dir.resolve("not-a-store.p12"), "not a key store");
        try (RestSchemaRegistryClient registry = new RestSchemaRegistryClient(stack.endpoints().schemaRegistryUrl(), Duration.ofSeconds(10))) {
            assertThatThrownBy(() -> Preflight.check(client(Map.of("security.protocol", "SSL", "ssl.truststore.location", garbage.toString(),
                    "ssl.truststore.type", "PKCS12", "ssl.truststore.password", "x")), registry, stack.endpoints().schemaRegistryUrl(),
                    Duration.ofSeconds(10)))
                    .isInstanceOf(Preflight.StartupException.class)
                    .hasMessageStartingWith("Cannot connect to Kafka at " + stack.endpoints().bootstrapServers())
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }
}
