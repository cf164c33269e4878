package io.aijobs.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.http.RequestNotExecutedException;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * {@link ModelClient} for the OpenAI chat-completions API ({@code POST <baseUrl>/chat/completions}), which OpenAI,
 * vLLM, Ollama ({@code /v1}), llama.cpp's server and the dev stub all speak; with an {@link HttpTarget}, also Azure
 * OpenAI's shape (the deployment in the path, an {@code api-version} query, the key in an {@code api-key} header).
 *
 * <p>One HTTP attempt per call (no hidden retries; a request that never left the process because its pooled
 * connection was already closed is sent again), fully asynchronous on Apache HttpClient 5's non-blocking I/O
 * reactor, with a connection pool as large as the calls allowed in flight. {@code timeout} bounds the whole call.
 * The API key is sent as a bearer token (or in the target's key header) and never logged or put in any outcome; prompts and outputs are never
 * logged. Completion callbacks run on the I/O reactor threads: keep them short.
 *
 * <p>Thread-safe. {@link #close()} aborts calls still open after a grace of {@code CLOSE_GRACE} (half a second).
 */
public final class OpenAiModelClient implements ModelClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_UNSENT_RETRIES = 2;
    private static final TimeValue CLOSE_GRACE = TimeValue.ofMilliseconds(500);

    private final HttpHost host;
    /** The request path; {@code MODEL_PLACEHOLDER} in it is replaced by each job's model, URL-encoded. */
    private final String path;
    private final boolean pathNamesModel;
    private final HttpTarget target;
    private final Duration timeout;
    private final Clock clock;
    private final CloseableHttpAsyncClient http;

    /**
     * @param baseUrl        the API base, e.g. {@code https://api.openai.com/v1} or {@code http://127.0.0.1:11434/v1}
     * @param apiKey         bearer token, if the server needs one
     * @param timeout        bound on each call, from sending the request to reading the whole answer
     * @param connectTimeout bound on opening a connection
     * @param maxConnections connections kept to the server: as many as calls may be in flight
     * @param ioThreads      I/O reactor threads
     */
    public OpenAiModelClient(String baseUrl, Optional<String> apiKey, Duration timeout, Duration connectTimeout,
                             int maxConnections, int ioThreads, Clock clock) {
        this(HttpTarget.openAi(baseUrl, apiKey), timeout, connectTimeout, maxConnections, ioThreads, clock);
    }

    /**
     * @param target         where and how to send requests: URL, key header, extra headers
     * @param timeout        bound on each call, from sending the request to reading the whole answer
     * @param connectTimeout bound on opening a connection
     * @param maxConnections connections kept to the server: as many as calls may be in flight
     * @param ioThreads      I/O reactor threads
     */
    public OpenAiModelClient(HttpTarget target, Duration timeout, Duration connectTimeout, int maxConnections, int ioThreads,
                             Clock clock) {
        this.target = Objects.requireNonNull(target, "target");
        URI endpoint = target.chatCompletionsUri();
        this.host = HttpHost.create(endpoint);
        this.path = endpoint.getRawPath().replace(HttpTarget.MODEL_PLACEHOLDER_ENCODED, HttpTarget.MODEL_PLACEHOLDER)
                + (endpoint.getRawQuery() == null ? "" : "?" + endpoint.getRawQuery());
        this.pathNamesModel = path.contains(HttpTarget.MODEL_PLACEHOLDER);
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        PoolingAsyncClientConnectionManager connections = PoolingAsyncClientConnectionManagerBuilder.create()
                .setMaxConnTotal(maxConnections)
                .setMaxConnPerRoute(maxConnections)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(connectTimeout))
                        .setSocketTimeout(Timeout.of(timeout))
                        // keep-alive servers close idle connections: check one that sat idle before reusing it
                        .setValidateAfterInactivity(TimeValue.ofSeconds(1))
                        .build())
                .build();
        this.http = HttpAsyncClients.custom()
                .setConnectionManager(connections)
                .setIOReactorConfig(IOReactorConfig.custom().setIoThreadCount(ioThreads).setTcpNoDelay(true).build())
                // Per-connection heap: the defaults (8 KiB buffers, a 64 KiB window) cost ~100 KiB per open call,
                // which thousands of calls in flight cannot afford; answers larger than the window still arrive
                .setHttp1Config(Http1Config.custom().setBufferSize(4096).setInitialWindowSize(16 * 1024).build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(Timeout.of(timeout))
                        .setConnectionRequestTimeout(Timeout.of(timeout))
                        .build())
                .disableAutomaticRetries()
                .evictIdleConnections(TimeValue.ofSeconds(30))
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableConnectionState()
                // chat completions are small JSON answers: no gzip round trip on either side
                .disableContentCompression()
                .build();
        this.http.start();
    }

    @Override
    public CompletableFuture<ModelOutcome> complete(JobRequest job, String idempotencyKey) {
        return complete(job, idempotencyKey, java.util.Map.of());
    }

    @Override
    public CompletableFuture<ModelOutcome> complete(JobRequest job, String idempotencyKey, java.util.Map<String, String> traceHeaders) {
        long started = clock.millis();
        // host and path were parsed once: no URI parsing per call
        SimpleRequestBuilder request = SimpleRequestBuilder.post().setHttpHost(host)
                .setPath(pathNamesModel ? path.replace(HttpTarget.MODEL_PLACEHOLDER,
                        java.net.URLEncoder.encode(job.getModel(), java.nio.charset.StandardCharsets.UTF_8)) : path)
                .setBody(requestBody(job), ContentType.APPLICATION_JSON)
                .addHeader("Accept", "application/json")
                .addHeader("Idempotency-Key", idempotencyKey);
        traceHeaders.forEach(request::addHeader);
        target.headers().forEach(request::addHeader);
        target.apiKey().ifPresent(key -> request.addHeader(target.keyHeader(), target.keyValue(key)));
        SimpleHttpRequest built = request.build();
        CompletableFuture<SimpleHttpResponse> sent = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicReference<java.util.concurrent.Future<SimpleHttpResponse>> exchange =
                new java.util.concurrent.atomic.AtomicReference<>();
        send(built, sent, exchange, MAX_UNSENT_RETRIES);
        // A hard bound on the whole exchange, whatever the server trickles
        return sent.orTimeout(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS).handle((response, error) -> {
            Duration latency = Duration.ofMillis(clock.millis() - started);
            if (error != null) {
                java.util.concurrent.Future<SimpleHttpResponse> open = exchange.get();
                if (open != null) {
                    open.cancel(true);
                }
                return fromError(error, latency);
            }
            return fromResponse(response.getCode(), response.getBodyBytes(), header(response, "retry-after-ms"),
                    header(response, "Retry-After"), latency);
        });
    }

    /**
     * Sends the request. A request that provably never left this process ({@link RequestNotExecutedException}: the
     * pooled connection had been closed by the server, as keep-alive servers do) is sent again on another
     * connection, at most {@code retriesLeft} times: that is not a second model call, so it is no hidden retry.
     */
    private void send(SimpleHttpRequest request, CompletableFuture<SimpleHttpResponse> sent,
                      java.util.concurrent.atomic.AtomicReference<java.util.concurrent.Future<SimpleHttpResponse>> exchange,
                      int retriesLeft) {
        try {
            exchange.set(http.execute(request, new FutureCallback<>() {
                @Override
                public void completed(SimpleHttpResponse response) {
                    sent.complete(response);
                }

                @Override
                public void failed(Exception e) {
                    if (e instanceof RequestNotExecutedException && retriesLeft > 0 && !sent.isDone()) {
                        send(request, sent, exchange, retriesLeft - 1);
                    } else {
                        sent.completeExceptionally(e);
                    }
                }

                @Override
                public void cancelled() {
                    sent.completeExceptionally(new TimeoutException("call cancelled"));
                }
            }));
        } catch (RuntimeException e) {
            sent.completeExceptionally(e);
        }
    }

    private static Optional<String> header(SimpleHttpResponse response, String name) {
        Header header = response.getFirstHeader(name);
        return header == null ? Optional.empty() : Optional.ofNullable(header.getValue());
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

    ModelOutcome fromResponse(int status, byte[] bodyBytes, Optional<String> retryAfterMs, Optional<String> retryAfter,
                              Duration latency) {
        return fromAnswer(status, readJson(bodyBytes), status == 429 ? retryAfter(retryAfterMs, retryAfter) : Optional.empty(), latency);
    }

    /**
     * The outcome of a chat completion answered with {@code status} and {@code body}, whether over HTTP or as a line of
     * a batch's output; {@code retryAfter} is what a 429 said about waiting.
     */
    static ModelOutcome fromAnswer(int status, JsonNode body, Optional<Duration> retryAfter, Duration latency) {
        if (status == 200) {
            return fromCompletion(body, latency);
        }
        String message = body.path("error").path("message").asText("HTTP " + status);
        Optional<String> code = Optional.ofNullable(body.path("error").path("code").textValue());
        if (status == 429) {
            return new ModelOutcome.RateLimited(retryAfter, latency);
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
        JsonNode usage = body.path("usage");
        int input = Math.max(0, usage.path("prompt_tokens").asInt(0));
        int output = Math.max(0, usage.path("completion_tokens").asInt(0));
        int cached = cachedInputTokens(usage, input);
        JsonNode refusal = message.path("refusal");
        if ("content_filter".equals(finishReason) || (refusal.isTextual() && !refusal.asText().isEmpty())) {
            return new ModelOutcome.Refusal(model, "content_filter".equals(finishReason) ? "content_filter" : "refusal",
                    input, cached, output, latency);
        }
        if (!choice.isObject()) {
            return new ModelOutcome.ServerError(200, "answer without choices", latency);
        }
        return new ModelOutcome.Success(model, message.path("content").asText(""), finishReason, input, cached, output, latency);
    }

    /**
     * The part of the prompt tokens served from the provider's prompt cache: OpenAI's
     * {@code prompt_tokens_details.cached_tokens} (also vLLM's, Azure's and most compatible servers'), else DeepSeek's
     * {@code prompt_cache_hit_tokens}. Both count inside {@code prompt_tokens}, never beside it, so a count above it is
     * held to it, and a missing or negative one is 0.
     */
    static int cachedInputTokens(JsonNode usage, int inputTokens) {
        JsonNode cached = usage.path("prompt_tokens_details").path("cached_tokens");
        if (!cached.isNumber()) {
            cached = usage.path("prompt_cache_hit_tokens");
        }
        return Math.min(inputTokens, Math.max(0, cached.asInt(0)));
    }

    private Optional<Duration> retryAfter(Optional<String> retryAfterMs, Optional<String> retryAfter) {
        if (retryAfterMs.isPresent()) {
            try {
                return Optional.of(Duration.ofMillis(Long.parseLong(retryAfterMs.get().trim())));
            } catch (NumberFormatException ignored) {
                // fall back to Retry-After
            }
        }
        if (retryAfter.isEmpty()) {
            return Optional.empty();
        }
        String value = retryAfter.get().trim();
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
        if (cause instanceof ConnectTimeoutException || cause instanceof ConnectException) {
            return new ModelOutcome.ConnectionError(cause.toString(), latency);
        }
        if (cause instanceof SocketTimeoutException || cause instanceof TimeoutException) {
            return new ModelOutcome.Timeout(Optional.empty(), latency);
        }
        return new ModelOutcome.ConnectionError(cause.toString(), latency);
    }

    private static JsonNode readJson(byte[] body) {
        try {
            return body == null || body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    @Override
    public void close() {
        // An IMMEDIATE close alone closes each I/O reactor's selector from this thread while the reactor's own thread
        // may still be closing its channels; httpcore5 5.4 (SingleCoreIOReactor.closeOpenChannels) does not expect
        // that and logs a ClosedSelectorException at ERROR. Asked to stop first, idle reactors end within
        // milliseconds; only calls still open after the grace are cut.
        http.initiateShutdown();
        try {
            http.awaitShutdown(CLOSE_GRACE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.close(CloseMode.IMMEDIATE);
    }
}
