package io.aijobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code aijobs usage} against a local HTTP server standing in for the aggregator's endpoint; no broker needed. */
class UsageCommandTest {

    private HttpServer server;

    private String serve(int status, String contentType, String body) throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", contentType);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void shouldSayPlainlyWhenTheReplyIsNotJson() throws Exception {
        String url = serve(200, "text/html", "<html><body>Welcome to nginx!</body></html>");

        CliRun run = CliRun.of("usage", "--tenant", "acme", "--url", url);

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("answered 200 with something other than JSON: is it the cost aggregator?")
                .doesNotContain("Exception").doesNotContain("Unrecognized token");
    }

    @Test
    void shouldUseTheEndpointThatDevRecordedInTheStateFolder(@TempDir Path stateDir) throws Exception {
        String url = serve(200, "application/json", "[{\"windowStart\":\"2026-11-30T10:00:00Z\",\"status\":\"PARTIAL\",\"calls\":7,"
                + "\"jobsSucceeded\":6,\"costNanos\":1500000,\"retryCostNanos\":0}]");
        Files.writeString(UsageCommand.usageEndpointFile(stateDir), url);

        CliRun run = CliRun.of("usage", "--tenant", "acme", "--state-dir", stateDir.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("2026-11-30T10:00:00Z").contains("PARTIAL").contains("0.0015");
    }

    @Test
    void shouldShowWhatEachCacheAndBatchPricingSavedBesideTheCost() throws Exception {
        String url = serve(200, "application/json", "[{\"windowStart\":\"2026-11-30T10:00:00Z\",\"status\":\"FINAL\",\"calls\":1,"
                + "\"jobsSucceeded\":4,\"inputTokens\":20212,\"outputTokens\":931,\"cachedInputTokens\":16298,"
                + "\"costNanos\":5564900,\"retryCostNanos\":0,\"promptCacheSavedNanos\":7334100,\"cacheHits\":3,"
                + "\"responseCacheSavedNanos\":16694700,\"batchSavedNanos\":2782450}]");

        CliRun run = CliRun.of("usage", "--tenant", "acme", "--url", url);

        assertThat(run.exitCode()).as(run.err()).isZero();
        String[] lines = run.out().split("\n");
        assertThat(lines[0]).containsSubsequence("tokens", "cached in", "cost (USD)", "retry cost", "prompt cache saved", "cache hits",
                "response cache saved", "batch saved");
        assertThat(lines[1].trim().split(" +")).containsSubsequence("21143", "16298", "0.005564900", "0.000000000", "0.007334100", "3",
                "0.016694700", "0.002782450");
    }

    @Test
    void shouldReportTheAggregatorsErrorMessage() throws Exception {
        String url = serve(400, "application/json", "{\"error\":\"unknown window PT5M\"}");

        CliRun run = CliRun.of("usage", "--tenant", "acme", "--url", url);

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("The cost aggregator answered 400: unknown window PT5M");
    }
}
