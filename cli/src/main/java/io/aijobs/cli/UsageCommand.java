package io.aijobs.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aijobs.contracts.TenantId;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code aijobs usage --tenant T}: a tenant's cost and usage windows, from the cost aggregator's endpoint. */
@Command(name = "usage", mixinStandardHelpOptions = true,
        description = "Show a tenant's usage and cost per window, from the cost aggregator (GET /tenants/{id}/usage).")
final class UsageCommand implements Callable<Integer> {

    static final String DEFAULT_URL = "http://127.0.0.1:18090";

    @Option(names = "--tenant", required = true, paramLabel = "TENANT")
    String tenant;

    @Option(names = "--model", paramLabel = "MODEL", description = "One model's windows (default: the tenant's totals)")
    String model;

    @Option(names = "--window", paramLabel = "1m|1h|month", defaultValue = "1h", description = "Window (default: ${DEFAULT-VALUE})")
    String window;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "24", description = "Most recent N windows (default: ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--url", paramLabel = "URL",
            description = "Cost aggregator endpoint (default: the one ./aijobs dev runs on the local stack, else " + DEFAULT_URL + ")")
    String url;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "State folder of the local stack (default: .aijobs/stack)")
    Path stateDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try {
            TenantId.of(tenant);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        String label = switch (window.toLowerCase(Locale.ROOT)) {
            case "1m" -> "PT1M";
            case "1h" -> "PT1H";
            case "month" -> "month";
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--window must be 1m, 1h or month, got '" + window + "'");
        };
        String url = endpoint();
        String query = "window=" + label + "&limit=" + limit + (model == null ? "" : "&model=" + URLEncoder.encode(model, StandardCharsets.UTF_8));
        HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response;
        try {
            response = client.send(HttpRequest.newBuilder(URI.create(url + "/tenants/" + tenant + "/usage?" + query))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            spec.commandLine().getErr().println("No cost aggregator answers at " + url + " (" + e.getMessage()
                    + "); it runs with ./aijobs dev, or pass --url");
            return 1;
        }
        JsonNode body;
        try {
            body = new ObjectMapper().readTree(response.body());
        } catch (JsonProcessingException e) {
            spec.commandLine().getErr().println("The server at " + url + " answered " + response.statusCode()
                    + " with something other than JSON: is it the cost aggregator? (pass --url)");
            return 1;
        }
        if (response.statusCode() != 200 || !body.isArray()) {
            spec.commandLine().getErr().println("The cost aggregator answered " + response.statusCode() + ": "
                    + (body.path("error").isMissingNode() ? "an unexpected reply" : body.path("error").asText()));
            return 1;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-22s %-8s %7s %7s %9s %10s %10s %16s %14s %18s %10s %20s %14s %8s %8s %8s%n", "window start", "status", "calls",
                "jobs ok", "failed", "tokens", "cached in", "cost (USD)", "retry cost", "prompt cache saved", "cache hits",
                "response cache saved", "batch saved", "p50 ms", "p95 ms", "p99 ms");
        for (JsonNode row : body) {
            long failed = 0;
            for (JsonNode count : row.path("callsFailedByCategory")) {
                failed += count.asLong();
            }
            out.printf("%-22s %-8s %7d %7d %9d %10d %10d %16s %14s %18s %10d %20s %14s %8d %8d %8d%n", row.path("windowStart").asText(),
                    row.path("status").asText(), row.path("calls").asLong(), row.path("jobsSucceeded").asLong(), failed,
                    row.path("inputTokens").asLong() + row.path("outputTokens").asLong(), row.path("cachedInputTokens").asLong(),
                    usd(row.path("costNanos").asLong()), usd(row.path("retryCostNanos").asLong()),
                    usd(row.path("promptCacheSavedNanos").asLong()), row.path("cacheHits").asLong(),
                    usd(row.path("responseCacheSavedNanos").asLong()), usd(row.path("batchSavedNanos").asLong()),
                    row.path("modelLatencyMs").path("p50").asLong(),
                    row.path("modelLatencyMs").path("p95").asLong(), row.path("modelLatencyMs").path("p99").asLong());
        }
        if (body.isEmpty()) {
            out.println("(no usage for tenant " + tenant + " in " + label + " windows)");
        }
        return 0;
    }

    /** {@code --url}, else the endpoint that {@code ./aijobs dev} recorded in the stack's state folder, else the default. */
    private String endpoint() throws java.io.IOException {
        if (url != null) {
            return url;
        }
        Path recorded = usageEndpointFile(stateDir != null ? stateDir : StackOptions.defaultStateDir());
        return Files.isRegularFile(recorded) ? Files.readString(recorded).trim() : DEFAULT_URL;
    }

    /** Where {@code ./aijobs dev} records the usage endpoint of the aggregator it runs, while it runs. */
    static Path usageEndpointFile(Path stateDir) {
        return stateDir.resolve("usage-endpoint");
    }

    static String usd(long nanos) {
        return new BigDecimal(nanos).movePointLeft(9).toPlainString();
    }
}
