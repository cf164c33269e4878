package io.aijobs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client against the OpenAI-compatible stub over real HTTP on 127.0.0.1. */
class OpenAiModelClientTest {

    private final List<OpenAiModelClient> clients = new java.util.ArrayList<>();
    private ModelStub stub;

    @AfterEach
    void stop() {
        if (stub != null) {
            stub.close();
        }
        clients.forEach(OpenAiModelClient::close);
    }

    private OpenAiModelClient client(Duration timeout, Optional<String> key) {
        OpenAiModelClient client = new OpenAiModelClient(stub.baseUrl(), key, timeout, Duration.ofSeconds(2), 16, 1, Clock.systemUTC());
        clients.add(client);
        return client;
    }

    private static JobRequest job(String content) {
        return JobRequest.newBuilder().setJobId("j-1").setTenantId("acme").setModel("stub-model")
                .setMessages(List.of(new ChatMessage("user", content)))
                .setParameters(JobParameters.newBuilder().setMaxOutputTokens(64).build())
                .setSubmittedAt(Instant.now()).build();
    }

    private ModelOutcome call(OpenAiModelClient client, String content) throws Exception {
        return client.complete(job(content), "j-1-1").get(10, TimeUnit.SECONDS);
    }

    @Test
    void shouldReturnTheCompletionWithUsageAndSendTheIdempotencyKey() throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());

        ModelOutcome outcome = call(client(Duration.ofSeconds(5), Optional.empty()), "12345678");

        assertThat(outcome).isInstanceOfSatisfying(ModelOutcome.Success.class, success -> {
            assertThat(success.inputTokens()).isEqualTo(2);
            assertThat(success.outputTokens()).isPositive();
            assertThat(success.finishReason()).isEqualTo("stop");
            assertThat(success.output()).isNotEmpty();
        });
        assertThat(stub.callsByIdempotencyKey()).isEqualTo(Map.of("j-1-1", 1));
    }

    @Test
    void shouldMapEveryFailureToItsTypedOutcome() throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults().withRetryAfter(Duration.ofSeconds(3)));
        OpenAiModelClient client = client(Duration.ofMillis(500), Optional.empty());

        assertThat(call(client, "[[stub:rate_limit]]")).isInstanceOfSatisfying(ModelOutcome.RateLimited.class,
                limited -> assertThat(limited.retryAfter()).contains(Duration.ofSeconds(3)));
        assertThat(call(client, "[[stub:server_error]]")).isInstanceOf(ModelOutcome.ServerError.class);
        assertThat(call(client, "[[stub:unavailable]]")).isInstanceOfSatisfying(ModelOutcome.ServerError.class,
                error -> assertThat(error.status()).isEqualTo(503));
        assertThat(call(client, "[[stub:invalid_request]]")).isInstanceOfSatisfying(ModelOutcome.InvalidRequest.class,
                invalid -> assertThat(invalid.code()).contains("context_length_exceeded"));
        assertThat(call(client, "[[stub:refusal]]")).isInstanceOf(ModelOutcome.Refusal.class);
        assertThat(call(client, "[[stub:timeout]]")).isInstanceOf(ModelOutcome.Timeout.class);
    }

    @Test
    void shouldSendTheApiKeyAsABearerToken() throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults().withApiKey("sk-secret"));

        assertThat(call(client(Duration.ofSeconds(5), Optional.of("sk-secret")), "hi")).isInstanceOf(ModelOutcome.Success.class);
        assertThat(call(client(Duration.ofSeconds(5), Optional.of("sk-wrong")), "hi"))
                .isInstanceOfSatisfying(ModelOutcome.InvalidRequest.class, invalid -> {
                    assertThat(invalid.status()).isEqualTo(401);
                    assertThat(invalid.toString()).doesNotContain("sk-wrong");
                });
    }

    @Test
    void shouldReachAnAzureShapedTargetWithTheModelInThePathAndTheKeyInTheApiKeyHeader() throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults().withApiKey("azure-secret"));
        HttpTarget azure = new HttpTarget("http://127.0.0.1:" + stub.port() + "/openai/deployments/{model}",
                "/chat/completions?api-version=2024-10-21", Optional.of("azure-secret"), "api-key", "",
                Map.of("x-ms-client-request-id", "aijobs"));
        OpenAiModelClient client = new OpenAiModelClient(azure, Duration.ofSeconds(5), Duration.ofSeconds(2), 4, 1, Clock.systemUTC());
        clients.add(client);

        assertThat(call(client, "hi")).isInstanceOf(ModelOutcome.Success.class);
        assertThat(stub.lastAzureDeployment()).contains("stub-model");
        assertThat(azure.toString()).doesNotContain("azure-secret");
    }

    @Test
    void shouldRefuseATargetWithTheModelPlaceholderInTheHostOrTheKeyHeaderAmongTheHeaders() {
        assertThatThrownBy(() -> new HttpTarget("http://{model}.example.com/v1", "/chat/completions", Optional.empty(),
                "Authorization", "Bearer", Map.of())).hasMessageContaining("not in the host");
        assertThatThrownBy(() -> new HttpTarget("http://127.0.0.1/v1", "/chat/completions", Optional.of("k"),
                "api-key", "", Map.of("API-Key", "other"))).hasMessageContaining("carries the API key");
        assertThatThrownBy(() -> HttpTarget.openAi("ftp://127.0.0.1/v1", Optional.empty())).hasMessageContaining("http(s)");
    }

    @Test
    void shouldReportAConnectionErrorWhenNothingListens() throws Exception {
        OpenAiModelClient client = new OpenAiModelClient("http://127.0.0.1:1/v1", Optional.empty(), Duration.ofSeconds(2),
                Duration.ofSeconds(1), 4, 1, Clock.systemUTC());
        clients.add(client);

        assertThat(client.complete(job("hi"), "k").get(10, TimeUnit.SECONDS)).isInstanceOf(ModelOutcome.ConnectionError.class);
    }

    @Test
    void shouldWriteTheOpenAiRequestBody() {
        JobRequest job = job("hi");
        job.getParameters().setTemperature(0.5);
        job.getParameters().setStop(List.of("END"));

        String body = new String(OpenAiModelClient.requestBody(job), java.nio.charset.StandardCharsets.UTF_8);

        assertThat(body).isEqualTo("{\"model\":\"stub-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"max_tokens\":64,\"temperature\":0.5,\"stop\":[\"END\"],\"stream\":false}");
    }
}
