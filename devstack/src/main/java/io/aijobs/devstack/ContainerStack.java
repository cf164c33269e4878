package io.aijobs.devstack;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The tests' stack as containers, for a machine with a Docker engine: Kafka's official image ({@value #KAFKA_IMAGE},
 * KRaft, one node, configured as the process backend's broker is) and Apicurio Registry ({@value #REGISTRY_IMAGE})
 * with its Confluent-compatible API, global compatibility BACKWARD. Host ports bind 127.0.0.1 only. Nothing is kept:
 * {@link #close} removes both containers.
 */
public final class ContainerStack implements AutoCloseable {

    public static final String KAFKA_IMAGE = "apache/kafka:4.4.0";
    public static final String REGISTRY_IMAGE = "apicurio/apicurio-registry:3.0.9";
    private static final int REGISTRY_PORT = 8080;
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    private final KafkaContainer kafka;
    private final GenericContainer<?> registry;

    private ContainerStack(KafkaContainer kafka, GenericContainer<?> registry) {
        this.kafka = kafka;
        this.registry = registry;
    }

    /** Why containers cannot run here, in one line; empty when a Docker engine answers. */
    public static Optional<String> unavailableReason() {
        try {
            return DockerClientFactory.instance().isDockerAvailable() ? Optional.empty()
                    : Optional.of("no Docker engine answers (Testcontainers found no DOCKER_HOST, socket or context)");
        } catch (RuntimeException | LinkageError e) {
            return Optional.of("Testcontainers cannot start: " + e);
        }
    }

    /** Starts both containers and waits until each is ready; on failure, removes what started. */
    public static ContainerStack start(Consumer<String> progress) {
        KafkaContainer kafka = new KafkaContainer(DockerImageName.parse(KAFKA_IMAGE))
                .withEnv(Map.of(
                        "KAFKA_NUM_PARTITIONS", "3",
                        "KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false",
                        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0",
                        "KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS", "3",
                        "KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS", "3",
                        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1",
                        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1"))
                .withCreateContainerCmdModifier(ContainerStack::bindLoopbackOnly)
                .withStartupTimeout(START_TIMEOUT);
        GenericContainer<?> registry = new GenericContainer<>(DockerImageName.parse(REGISTRY_IMAGE))
                .withExposedPorts(REGISTRY_PORT)
                .withEnv("QUARKUS_HTTP_ACCESS_LOG_ENABLED", "false")
                .waitingFor(Wait.forHttp(SchemaRegistryServer.CCOMPAT_PATH + "/subjects").forStatusCode(200))
                .withCreateContainerCmdModifier(ContainerStack::bindLoopbackOnly)
                .withStartupTimeout(START_TIMEOUT);
        ContainerStack stack = new ContainerStack(kafka, registry);
        try {
            progress.accept("Starting " + KAFKA_IMAGE + " and " + REGISTRY_IMAGE);
            kafka.start();
            registry.start();
            stack.setGlobalCompatibility("BACKWARD");
            return stack;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    /** Publishes each exposed port on 127.0.0.1 only (Docker's default is every interface). */
    private static void bindLoopbackOnly(com.github.dockerjava.api.command.CreateContainerCmd command) {
        List<PortBinding> bindings = new ArrayList<>();
        for (ExposedPort port : command.getExposedPorts()) {
            bindings.add(new PortBinding(Ports.Binding.bindIp("127.0.0.1"), port));
        }
        command.getHostConfig().withPortBindings(bindings);
    }

    public StackEndpoints endpoints() {
        String registryUrl = "http://127.0.0.1:" + registry.getMappedPort(REGISTRY_PORT) + SchemaRegistryServer.CCOMPAT_PATH;
        return new StackEndpoints(kafka.getBootstrapServers(), registryUrl, null);
    }

    private void setGlobalCompatibility(String level) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(endpoints().schemaRegistryUrl() + "/config"))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"" + level + "\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("Setting registry compatibility to " + level + " failed: HTTP " + response.statusCode());
            }
        } catch (IOException e) {
            throw new IllegalStateException("Setting registry compatibility to " + level + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    @Override
    public void close() {
        registry.stop();
        kafka.stop();
    }
}
