package io.aijobs.processor.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * {@link ModelClient} for the OpenAI chat-completions API ({@code POST <baseUrl>/chat/completions}), which OpenAI,
 * vLLM, Ollama ({@code /v1}), llama.cpp's server and the dev stub all speak.
 *
 * <p>One HTTP attempt per call, asynchronous on the JDK {@link HttpClient}; the per-call timeout bounds the whole
 * exchange. The API key is sent as a bearer token and never logged or included in any outcome. Prompts and
 * outputs are never logged.
 */
public final class OpenAiModelClient implements ModelClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final Optional<String> apiKey;
    private final Duration timeout;
    private final HttpClient http;
    private final Clock clock;

    /**
     * @param baseUrl  the API base, e.g. {@code https://api.openai.com/v1} or {@code http://127.0.0.1:11434/v1}
     * @param apiKey   bearer token, if the server needs one
     * @param timeout  bound on each call, from sending the request to reading the whole answer
     * @param executor runs the HTTP client's callbacks; keep them short
     */
    public OpenAiModelClient(String baseUrl, Optional<String> apiKey, Duration timeout, Duration connectTimeout,
                             Executor executor, Clock clock) {
        String base = Objects.requireNonNull(baseUrl, "baseUrl").endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.endpoint = URI.create(base + "/chat/completions");
        this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .executor(executor)
                .build();
    }

    @Override
    public CompletableFuture<ModelOutcome> complete(JobRequest job, String idempotencyKey) {
        long started = clock.millis();
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofByteArray(requestBody(job)));
        apiKey.ifPresent(key -> request.header("Authorization", "Bearer " + key));
        CompletableFuture<HttpResponse<byte[]>> sent;
        try {
            sent = http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(new ModelOutcome.ConnectionError(e.toString(), Duration.ZERO));
        }
        return sent.handle((response, error) -> {
            Duration latency = Duration.ofMillis(clock.millis() - started);
            return error == null ? fromResponse(response, latency) : fromError(error, latency);
        });
    }

    static byte[] requestBody(JobRequest job) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", job.getModel());
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage message : job.getMessages()) {
            messages.addObject().put("role", message.getRole()).put("content", message.getContent());
        }
        JobParameters parameters = job.getParameters();
        if (parameters.getMaxOutputTokens() != null) {
            body.put("max_tokens", parameters.getMaxOutputTokens());
        }
        if (parameters.getTemperature() != null) {
            body.put("temperature", parameters.getTemperature());
        }
        if (parameters.getTopP() != null) {
            body.put("top_p", parameters.getTopP());
        }
        if (!parameters.getStop().isEmpty()) {
            ArrayNode stop = body.putArray("stop");
            parameters.getStop().forEach(stop::add);
        }
        if (parameters.getSeed() != null) {
            body.put("seed", parameters.getSeed());
        }
        body.put("stream", false);
        try {
            return JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    ModelOutcome fromResponse(HttpResponse<byte[]> response, Duration latency) {
        int status = response.statusCode();
        JsonNode body = readJson(response.body());
        if (status == 200) {
            return fromCompletion(body, latency);
        }
        String message = body.path("error").path("message").asText("HTTP " + status);
        Optional<String> code = Optional.ofNullable(body.path("error").path("code").textValue());
        if (status == 429) {
            return new ModelOutcome.RateLimited(retryAfter(response), latency);
        }
        if (status == 408 || status == 504) {
            return new ModelOutcome.Timeout(Optional.of(status), latency);
        }
        if (status >= 500) {
            return new ModelOutcome.ServerError(status, message, latency);
        }
        return new ModelOutcome.InvalidRequest(status, code, message, latency);
    }

    private static ModelOutcome fromCompletion(JsonNode body, Duration latency) {
        JsonNode choice = body.path("choices").path(0);
        JsonNode message = choice.path("message");
        String finishReason = choice.path("finish_reason").asText("stop");
        String model = body.path("model").asText("");
        int input = body.path("usage").path("prompt_tokens").asInt(0);
        int output = body.path("usage").path("completion_tokens").asInt(0);
        JsonNode refusal = message.path("refusal");
        if ("content_filter".equals(finishReason) || (refusal.isTextual() && !refusal.asText().isEmpty())) {
            return new ModelOutcome.Refusal(model, "content_filter".equals(finishReason) ? "content_filter" : "refusal",
                    input, output, latency);
        }
        if (!choice.isObject()) {
            return new ModelOutcome.ServerError(200, "answer without choices", latency);
        }
        return new ModelOutcome.Success(model, message.path("content").asText(""), finishReason, input, output, latency);
    }

    private Optional<Duration> retryAfter(HttpResponse<?> response) {
        Optional<String> millis = response.headers().firstValue("retry-after-ms");
        if (millis.isPresent()) {
            try {
                return Optional.of(Duration.ofMillis(Long.parseLong(millis.get().trim())));
            } catch (NumberFormatException ignored) {
                // fall back to Retry-After
            }
        }
        Optional<String> header = response.headers().firstValue("Retry-After");
        if (header.isEmpty()) {
            return Optional.empty();
        }
        String value = header.get().trim();
        try {
            return Optional.of(Duration.ofSeconds(Long.parseLong(value)));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration wait = Duration.between(clock.instant(), at.toInstant());
                return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        }
    }

    private static ModelOutcome fromError(Throwable error, Duration latency) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof HttpConnectTimeoutException || cause instanceof ConnectException) {
            return new ModelOutcome.ConnectionError(cause.toString(), latency);
        }
        if (cause instanceof HttpTimeoutException) {
            return new ModelOutcome.Timeout(Optional.empty(), latency);
        }
        return new ModelOutcome.ConnectionError(cause.toString(), latency);
    }

    private static JsonNode readJson(byte[] body) {
        try {
            return body == null || body.length == 0 ? JSON.createObjectNode() : JSON.readTree(new String(body, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }
}
