package io.aijobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./aijobs processor} and {@code ./aijobs aggregator}: what they refuse before anything runs. */
class ApplicationCommandsTest {

    @TempDir
    Path dir;

    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private Path config(String content) throws Exception {
        return Files.writeString(dir.resolve("app.properties"), content);
    }

    @Test
    void shouldExitTwoWithUsageWithoutAConfigFileOrWithAnUnreadableOne() {
        CliRun none = CliRun.of("processor");
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err()).contains("Missing required option: '--config=FILE'").contains("Usage: aijobs processor");

        CliRun missing = CliRun.of("aggregator", "--config", dir.resolve("nope.properties").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("Cannot read the config file");
    }

    @Test
    void shouldExitTwoNamingAnUnknownKeyOrALiteralSecretOnTheCommandLine() throws Exception {
        Path file = config("bootstrap.servers=127.0.0.1:9\nschema.registry.url=http://127.0.0.1:9\nmodel.base.url=http://127.0.0.1:9/v1\n");

        CliRun misspelt = CliRun.of("processor", "--config", file.toString(), "--set", "max.inflight=3");
        assertThat(misspelt.exitCode()).isEqualTo(2);
        assertThat(misspelt.err()).contains("Invalid configuration").contains("max.inflight");

        CliRun secret = CliRun.of("processor", "--config", file.toString(), "--set", "model.api.key=sk-literal-9f2");
        assertThat(secret.exitCode()).isEqualTo(2);
        assertThat(secret.err()).contains("model.api.key").contains("never given on the command line").doesNotContain("sk-literal-9f2");
    }

    @Test
    void shouldExitOneInOneLineWhenTheClusterDoesNotAnswerAtStart() throws Exception {
        Path file = config("bootstrap.servers=127.0.0.1:" + closedPort() + "\nschema.registry.url=http://127.0.0.1:" + closedPort()
                + "\nstartup.timeout.ms=2000\nstreams.state.dir=" + dir.resolve("state") + "\n");

        CliRun aggregator = CliRun.of("aggregator", "--config", file.toString(), "--set", "http.port=0");
        assertThat(aggregator.exitCode()).as(aggregator.err()).isEqualTo(1);
        assertThat(aggregator.err().strip()).startsWith("Cost aggregator did not start: Kafka at 127.0.0.1:")
                .contains("did not answer within PT2S").doesNotContain("\n");
    }
}
