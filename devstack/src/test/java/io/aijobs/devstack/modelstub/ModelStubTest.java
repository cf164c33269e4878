package io.aijobs.devstack.modelstub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The stub over real HTTP on 127.0.0.1 (no broker involved). */
class ModelStubTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private ModelStub stub;

    @AfterEach
    void stop() {
        if (stub != null) {
            stub.close();
        }
    }

    private HttpResponse<String> chat(String content, String idempotencyKey, Duration timeout) throws Exception {
        String body = "{\"model\":\"stub-model\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":"
                + JSON.writeValueAsString(content) + "}]}";
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(stub.baseUrl() + "/chat/completions"))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldAnswerLikeAnOpenAiServerWithUsage() throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());

        HttpResponse<String> response = chat("12345678", "job-1-1", Duration.ofSeconds(5));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(body.path("usage").path("prompt_tokens").asInt()).isEqualTo(2);
        assertThat(body.path("usage").path("total_tokens").asInt())
                .isEqualTo(2 + body.path("usage").path("completion_tokens").asInt());
    }

    private JsonNode usage(String model, String system, String user) throws Exception {
        String body = "{\"model\":" + JSON.writeValueAsString(model) + ",\"messages\":[{\"role\":\"system\",\"content\":"
                + JSON.writeValueAsString(system) + "},{\"role\":\"user\",\"content\":" + JSON.writeValueAsString(user) + "}]}";
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(stub.baseUrl() + "/chat/completions"))
                .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body()).path("usage");
    }

    @Test
    void shouldReportTheTokensOfARepeatedPrefixOfTheSameModelAsCachedWhenItsPromptCacheIsOn() throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults().withPromptCache(true));
        String system = "x".repeat(4_000);

        JsonNode first = usage("m", system, "first question");
        JsonNode second = usage("m", system, "second question");
        JsonNode otherModel = usage("n", system, "second question");

        assertThat(first.path("prompt_tokens_details").path("cached_tokens").asInt()).as("first sight of the prefix").isZero();
        // one token per 4 characters: the system prompt is 1,000 tokens, the question 4
        assertThat(second.path("prompt_tokens").asInt()).isEqualTo(1_000 + 4);
        assertThat(second.path("prompt_tokens_details").path("cached_tokens").asInt()).isEqualTo(1_000);
        assertThat(otherModel.path("prompt_tokens_details").path("cached_tokens").asInt()).as("another model's cache").isZero();
    }

    @Test
    void shouldReportNoPromptTokenDetailsWhenItsPromptCacheIsOff() throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());

        usage("m", "same system prompt", "q");

        assertThat(usage("m", "same system prompt", "q").has("prompt_tokens_details")).isFalse();
    }

    @Test
    void shouldAnswer429WithoutRetryAfterToRequestsBeyondItsConcurrencyLimit() throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Fixed(500)).withMaxConcurrent(2));
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            held.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return chat("slow", null, Duration.ofSeconds(5));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> stub.openRequests() >= 2);
        assertThat(stub.openRequests()).isEqualTo(2);

        HttpResponse<String> third = chat("one too many", null, Duration.ofSeconds(5));

        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.headers().firstValue("Retry-After")).isEmpty();
        for (CompletableFuture<HttpResponse<String>> response : held) {
            assertThat(response.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(stub.answersWithStatus(429)).isEqualTo(1);
        assertThat(stub.answersWithStatus(200)).isEqualTo(2);
    }

    @Test
    void shouldServeTheAzurePathCheckingTheKeyInTheApiKeyHeader() throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults().withApiKey("azure-secret"));
        String body = "{\"model\":\"ignored\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        URI uri = URI.create("http://127.0.0.1:" + stub.port() + "/openai/deployments/gpt-4o-eu/chat/completions?api-version=2024-10-21");

        HttpResponse<String> withKey = http.send(HttpRequest.newBuilder(uri).header("api-key", "azure-secret")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> bearerOnly = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer azure-secret")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> noVersion = http.send(HttpRequest.newBuilder(URI.create(uri.toString().replaceAll("\\?.*", "")))
                .header("api-key", "azure-secret").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(withKey.statusCode()).isEqualTo(200);
        assertThat(bearerOnly.statusCode()).isEqualTo(401);
        assertThat(noVersion.statusCode()).isEqualTo(404);
        assertThat(stub.lastAzureDeployment()).contains("gpt-4o-eu");
    }

    @Test
    void shouldCountCallsPerIdempotencyKey() throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());

        chat("a", "job-1-1", Duration.ofSeconds(5));
        chat("a", "job-1-1", Duration.ofSeconds(5));
        chat("b", "job-2-1", Duration.ofSeconds(5));

        assertThat(stub.callsByIdempotencyKey()).isEqualTo(Map.of("job-1-1", 2, "job-2-1", 1));
        assertThat(stub.requestCount()).isEqualTo(3);
    }

    @Test
    void shouldReturnRateLimitWithRetryAfterWhenAskedByDirective() throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults().withRetryAfter(Duration.ofSeconds(7)));

        HttpResponse<String> response = chat("hello [[stub:rate_limit]]", null, Duration.ofSeconds(5));

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("7");
        assertThat(JSON.readTree(response.body()).path("error").path("type").asText()).isEqualTo("rate_limit_error");
    }

    @Test
    void shouldMapEveryFaultToItsHttpShape() throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());

        assertThat(chat("[[stub:server_error]]", null, Duration.ofSeconds(5)).statusCode()).isEqualTo(500);
        assertThat(chat("[[stub:unavailable]]", null, Duration.ofSeconds(5)).statusCode()).isEqualTo(503);
        assertThat(chat("[[stub:invalid_request]]", null, Duration.ofSeconds(5)).statusCode()).isEqualTo(400);
        HttpResponse<String> refusal = chat("[[stub:refusal]]", null, Duration.ofSeconds(5));
        assertThat(refusal.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(refusal.body()).path("choices").get(0).path("finish_reason").asText()).isEqualTo("content_filter");
    }

    @Test
    void shouldHangOnTimeoutFaultSoTheClientTimeoutFires() throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());

        assertThatThrownBy(() -> chat("[[stub:timeout]]", null, Duration.ofMillis(300)))
                .isInstanceOf(HttpTimeoutException.class);
    }

    @Test
    void shouldFailEveryRequestDuringAnOutageWindowAndRecoverAfterIt() throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());

        stub.failAllFor(Fault.UNAVAILABLE, Duration.ofMinutes(5));
        assertThat(chat("x", null, Duration.ofSeconds(5)).statusCode()).isEqualTo(503);
        stub.recover();
        assertThat(chat("x", null, Duration.ofSeconds(5)).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldRejectRequestsWithoutTheConfiguredApiKey() throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults().withApiKey("sk-test"));

        assertThat(chat("x", null, Duration.ofSeconds(5)).statusCode()).isEqualTo(401);
    }

    @Test
    void shouldHoldHundredsOfConcurrentRequestsWithoutAThreadEach() throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Fixed(1500)));
        String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        List<CompletableFuture<HttpResponse<Void>>> calls = new ArrayList<>();

        for (int i = 0; i < 300; i++) {
            calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create(stub.baseUrl() + "/chat/completions"))
                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.discarding()));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        assertThat(calls).allSatisfy(call -> assertThat(call.join().statusCode()).isEqualTo(200));
        // 300 requests of 1.5 s each on two handler threads: only timers can hold them all open at once
        assertThat(stub.maxConcurrentRequests()).isGreaterThan(100);
    }

    @Test
    void shouldParseLatencySpecsAndRejectBadOnes() {
        assertThat(LatencyDistribution.parse("fixed:200")).isEqualTo(new LatencyDistribution.Fixed(200));
        assertThat(LatencyDistribution.parse("uniform:50-150")).isEqualTo(new LatencyDistribution.Uniform(50, 150));
        assertThat(LatencyDistribution.parse("lognormal:200,0.5")).isEqualTo(new LatencyDistribution.LogNormal(200, 0.5));
        assertThatThrownBy(() -> LatencyDistribution.parse("gaussian:1")).hasMessageContaining("expected fixed:MS");
        assertThatThrownBy(() -> ModelStubMain.parse(new String[] {"--latency", "fixed:1"})).hasMessageContaining("--port is required");
        assertThatThrownBy(() -> ModelStubMain.parse(new String[] {"--port", "1", "--fault-rate", "melt=0.1"}))
                .hasMessageContaining("Unknown fault");
    }
}
