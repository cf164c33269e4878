package io.aijobs.devstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Apicurio Registry (Apache-2.0) as a separate JVM, serving the Confluent-compatible API at
 * {@value #CCOMPAT_PATH} on 127.0.0.1.
 *
 * <p>Storage is in memory unless a data directory is given, in which case an H2 file database there keeps schema
 * ids stable across restarts (ids in Kafka records must keep resolving). At start the global compatibility is set
 * to BACKWARD, the level the contracts promise; Apicurio's own default is NONE.
 */
final class SchemaRegistryServer {

    public static final String CCOMPAT_PATH = "/apis/ccompat/v7";
    private static final String NAME = "schema-registry";

    private final Path home;
    private final int port;
    private final boolean persistent;
    private final Artifacts artifacts;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * @param persistent keep schemas in an H2 file under {@code home} (dev stack) rather than in memory (tests)
     */
    public SchemaRegistryServer(Path home, int port, boolean persistent, Artifacts artifacts) {
        this.home = home;
        this.port = port;
        this.persistent = persistent;
        this.artifacts = artifacts;
    }

    /** The base URL clients configure as {@code schema.registry.url}. */
    public String url() {
        return "http://" + Ports.LOOPBACK + ":" + port + CCOMPAT_PATH;
    }

    public Path logFile() {
        return home.resolve(NAME + ".log");
    }

    public Path pidFile() {
        return home.resolve(NAME + ".pid");
    }

    /** Starts the registry, waits until it is ready, and sets global compatibility to BACKWARD. */
    public ManagedProcess start(Duration timeout) {
        Ports.requireFree(port, "schema registry", "--registry-port");
        List<String> command = new ArrayList<>(List.of(Jvm.javaExecutable(), "-Xms128m", "-Xmx512m",
                "-Dquarkus.http.host=" + Ports.LOOPBACK,
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.log.level=WARN",
                "-Dquarkus.http.access-log.enabled=false"));
        if (persistent) {
            command.add("-Dapicurio.datasource.url=jdbc:h2:file:" + home.resolve("data").resolve("registry").toAbsolutePath());
        }
        command.add("-jar");
        command.add(artifacts.apicurioRunnerJar().toString());
        ManagedProcess process = ManagedProcess.start(NAME, command, artifacts.apicurioRunnerJar().getParent(),
                logFile(), pidFile());
        process.awaitReady(this::isReady, timeout);
        setGlobalCompatibility("BACKWARD");
        return process;
    }

    private boolean isReady() {
        if (!Ports.isListening(port)) {
            return false;
        }
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url() + "/config"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void setGlobalCompatibility(String level) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url() + "/config"))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"" + level + "\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("Setting registry compatibility to " + level + " failed: HTTP "
                        + response.statusCode() + " " + response.body());
            }
        } catch (IOException e) {
            throw new IllegalStateException("Setting registry compatibility to " + level + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }
}
