package io.aijobs.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.aijobs.application.Preflight;
import io.aijobs.devstack.DevStack;
import io.aijobs.devstack.KafkaBroker;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.StackSettings;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.producer.JobPublisher;
import io.aijobs.schema.JobResult;
import io.aijobs.tls.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The processor against a broker whose only client listener is SASL_SSL (SCRAM-SHA-512 over TLS, a certificate signed
 * by a CA the test makes, ACLs denying by default) and an Apicurio registry that serves HTTPS only, with a certificate
 * of the same CA, and requires a login: every client Kafka Streams makes (consumers, producer, restore and global
 * consumers, admin) and the start check connect with the settings given under {@code streams.}, the registry client
 * with {@code basic.auth.*} and {@code schema.registry.ssl.truststore.*}.
 */
class ProcessorSaslSslIT {

    private static DevStack stack;
    private static TestCertificates certificates;

    @BeforeAll
    static void up() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "sasl-ssl-stack-");
        certificates = TestCertificates.create(Files.createDirectories(dir.resolve("certs")));
        stack = DevStack.up(StackSettings.ephemeral(dir.resolve("stack")).withSecure(true)
                .withTls(new KafkaBroker.Tls(certificates.serverKeyStore(), certificates.trustStore(), certificates.password())), false, line -> { });
    }

    @AfterAll
    static void down() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void shouldAnswerEveryJobWithEveryStreamsClientOverSaslSslAndTheRegistryOverHttpsWithBasicAuth() throws Exception {
        StackEndpoints endpoints = stack.endpoints();
        assertThat(endpoints.adminSecurity()).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsKey("ssl.truststore.location");
        assertThat(endpoints.schemaRegistryUrl()).startsWith("https://127.0.0.1:");
        // the port speaks TLS only: a plain HTTP request gets no HTTP answer
        java.net.URI plain = java.net.URI.create(endpoints.schemaRegistryUrl().replace("https://", "http://") + "/subjects");
        assertThatThrownBy(() -> java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(plain)
                .timeout(Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(java.io.IOException.class);
        assertThat(endpoints.registryAdmin()).containsEntry("basic.auth.credentials.source", "USER_INFO")
                .containsKey("schema.registry.ssl.truststore.location");
        ProcessorHarness harness = new ProcessorHarness(endpoints);
        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults());
             ProcessorApp app = ProcessorApp.start(harness.config(stub.baseUrl(), Map.of(ProcessorConfig.METRICS_PORT_CONFIG, "0")));
             JobPublisher publisher = harness.publisher()) {
            for (int i = 1; i <= 5; i++) {
                publisher.publish(harness.job("sasl-ssl-" + i));
            }
            publisher.flush();

            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> harness.committedResults().size() >= 5);
            assertThat(harness.committedResults()).extracting(JobResult::getJobId)
                    .containsExactlyInAnyOrder("sasl-ssl-1", "sasl-ssl-2", "sasl-ssl-3", "sasl-ssl-4", "sasl-ssl-5");
        }
    }

    @Test
    void shouldFailTheStartInOneLineWithoutTheTrustStoreOrWithAWrongPassword() throws Exception {
        StackEndpoints endpoints = stack.endpoints();
        ProcessorHarness harness = new ProcessorHarness(endpoints);
        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults())) {
            Map<String, Object> untrusting = new HashMap<>(harness.config(stub.baseUrl(), Map.of(ProcessorConfig.METRICS_PORT_CONFIG, "0",
                    ProcessorConfig.STARTUP_TIMEOUT_MS_CONFIG, "10000")));
            List.of("location", "type", "password").forEach(key -> untrusting.remove(ProcessorConfig.STREAMS_PREFIX + "ssl.truststore." + key));
            assertThatThrownBy(() -> ProcessorApp.start(untrusting)).isInstanceOf(Preflight.StartupException.class)
                    .hasMessageStartingWith("TLS with Kafka at " + endpoints.bootstrapServers() + " failed")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));

            Map<String, Object> wrongPassword = new HashMap<>(harness.config(stub.baseUrl(), Map.of(ProcessorConfig.METRICS_PORT_CONFIG, "0",
                    ProcessorConfig.STARTUP_TIMEOUT_MS_CONFIG, "10000", ProcessorConfig.STREAMS_PREFIX + "sasl.jaas.config",
                    KafkaBroker.clientSecurity(KafkaBroker.ADMIN_USER, "not-the-password").get("sasl.jaas.config"))));
            assertThatThrownBy(() -> ProcessorApp.start(wrongPassword)).isInstanceOf(Preflight.StartupException.class)
                    .hasMessageStartingWith("Kafka at " + endpoints.bootstrapServers() + " refused the credentials")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("not-the-password"));
        }
    }
}
