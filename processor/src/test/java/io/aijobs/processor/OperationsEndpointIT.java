package io.aijobs.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.aijobs.application.Preflight;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.junit.DevStackExtension;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The processor's operations endpoint on a real broker and registry: health and metrics over HTTP. */
@ExtendWith(DevStackExtension.class)
class OperationsEndpointIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ModelStub stub;

    @AfterEach
    void stopStub() {
        if (stub != null) {
            stub.close();
        }
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldServeLiveAndReadyOnceRunningWithJvmAndProcessMetrics(StackEndpoints stack) throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());
        ProcessorHarness harness = new ProcessorHarness(stack);
        try (ProcessorApp app = ProcessorApp.start(harness.config(stub.baseUrl(),
                Map.of(ProcessorConfig.METRICS_PORT_CONFIG, "0")))) {
            int port = app.metricsPort();
            await().atMost(Duration.ofSeconds(60)).until(() -> get(port, "/health/ready").statusCode() == 200);

            assertThat(app.streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
            assertThat(get(port, "/health/ready").body()).startsWith("{\"status\":\"UP\"")
                    .contains("\"streams\":{\"ok\":true,\"detail\":\"RUNNING\"}").contains("\"schemaRegistry\":{\"ok\":true");
            HttpResponse<String> live = get(port, "/health/live");
            assertThat(live.statusCode()).isEqualTo(200);
            assertThat(get(port, "/metrics").body()).contains("jvm_memory_used_bytes").contains("jvm_gc_max_data_size_bytes")
                    .contains("jvm_threads_live_threads").contains("process_uptime_seconds").contains("process_cpu_usage")
                    .contains("aijobs_model_calls_inflight");
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Nothing half-started: the operations port the failed start had bound is free again. */
    private static void assertPortFree(int port) throws Exception {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertThat(socket.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void shouldRefuseToStartWithOneLineNamingTheRegistryWhenItDoesNotAnswerAndReleaseWhatItBound(StackEndpoints stack)
            throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());
        ProcessorHarness harness = new ProcessorHarness(stack);
        String registry = "http://127.0.0.1:" + freePort();
        int operationsPort = freePort();

        assertThatThrownBy(() -> ProcessorApp.start(harness.config(stub.baseUrl(), Map.of(
                ProcessorConfig.METRICS_PORT_CONFIG, String.valueOf(operationsPort), ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, registry))))
                .isInstanceOf(Preflight.StartupException.class)
                .hasMessageStartingWith("The schema registry at " + registry + " did not answer: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertPortFree(operationsPort);
    }

    @Test
    void shouldRefuseToStartWithOneLineNamingKafkaWhenItDoesNotAnswerWithinTheStartupTimeout(StackEndpoints stack) throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());
        ProcessorHarness harness = new ProcessorHarness(stack);
        String servers = "127.0.0.1:" + freePort();
        int operationsPort = freePort();
        long started = System.nanoTime();

        assertThatThrownBy(() -> ProcessorApp.start(harness.config(stub.baseUrl(), Map.of(
                ProcessorConfig.METRICS_PORT_CONFIG, String.valueOf(operationsPort), ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ProcessorConfig.STARTUP_TIMEOUT_MS_CONFIG, "3000"))))
                .isInstanceOf(Preflight.StartupException.class)
                .hasMessage("Kafka at " + servers + " did not answer within PT3S");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("bounded by startup.timeout.ms").isLessThan(Duration.ofSeconds(15));
        assertPortFree(operationsPort);
    }
}
