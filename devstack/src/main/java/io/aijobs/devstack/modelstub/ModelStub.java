package io.aijobs.devstack.modelstub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.aijobs.devstack.Ports;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stand-in for an OpenAI-compatible model server, for development and tests only.
 *
 * <p>It serves {@code POST /v1/chat/completions} (answers with {@code usage}) and {@code GET /v1/models}; nothing
 * in the platform depends on it being this stub: the same clients work against vLLM, Ollama, llama.cpp or OpenAI by
 * URL. What it adds for testing:
 * <ul>
 *   <li>a configurable latency distribution, with the answer sent from a timer, so hundreds of concurrent requests
 *       are held without a thread each;</li>
 *   <li>fault injection: random rates per {@link Fault}, a window in which every request fails
 *       ({@link #failAllFor}), or a directive {@code [[stub:FAULT]]} in a message, which makes that one request
 *       fail the same way on every attempt;</li>
 *   <li>a count of requests per {@code Idempotency-Key} header, so a test can count duplicate paid calls, and the
 *       W3C {@code traceparent} each key last came with, so a test can check that traces reach the model service;</li>
 *   <li>an optional concurrency limit ({@link ModelStubConfig#maxConcurrent()}): a request beyond it is answered
 *       429 at once, and answers are counted by status ({@link #answersWithStatus});</li>
 *   <li>Azure OpenAI's URL shape, {@code POST /openai/deployments/DEPLOYMENT/chat/completions?api-version=...}, where
 *       the key is checked in the {@code api-key} header instead of {@code Authorization}; the last deployment
 *       called is kept ({@link #lastAzureDeployment}).</li>
 *   <li>OpenAI's batch interface ({@code /v1/files}, {@code /v1/batches}; {@link StubBatches}), with a completion
 *       delay, expiry, failed, missing and unknown results as {@link ModelStubConfig#batches()} says;</li>
 *   <li>optionally ({@link ModelStubConfig#promptCache()}), a provider's prompt cache: the tokens of the messages
 *       before the last, when an earlier request of the model began with the same ones, are reported as
 *       {@code usage.prompt_tokens_details.cached_tokens} (part of {@code prompt_tokens}).</li>
 * </ul>
 *
 * <p>Usage: prompt tokens are counted as one per four characters of message content (at least one per message),
 * so a test can compute what a request costs. Prompts are never logged.
 *
 * <p>Thread-safe. {@link #close()} stops the server and drops requests still waiting.
 */
public final class ModelStub implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ModelStub.class);
    private static final Pattern AZURE_PATH = Pattern.compile("/openai/deployments/([^/]+)/chat/completions");
    private static final Pattern DIRECTIVE = Pattern.compile("\\[\\[stub:([a-zA-Z_-]+)]]");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DEFAULT_MAX_TOKENS = 64;
    private static final int PROMPT_CACHE_ENTRIES = 100_000;

    static {
        // The JDK server otherwise leaves Nagle on, and every small response stalls ~40 ms on delayed ACKs.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        // Beyond 200 idle keep-alive connections the JDK server closes the extra ones, and a client that reuses
        // one at that moment loses its request: hold as many as hundreds of concurrent callers leave idle.
        if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
            System.setProperty("sun.net.httpserver.maxIdleConnections", "20000");
        }
    }

    private final ModelStubConfig config;
    private final Clock clock;
    private final HttpServer server;
    private final ExecutorService handlers;
    private final ScheduledExecutorService timers;
    private final SplittableRandom random;
    private final Map<String, AtomicInteger> callsByIdempotencyKey = new ConcurrentHashMap<>();
    private final Map<String, String> traceparentByIdempotencyKey = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong completions = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicReference<FaultWindow> window = new AtomicReference<>();
    private final Map<Integer, AtomicLong> answersByStatus = new ConcurrentHashMap<>();
    private final AtomicReference<String> lastAzureDeployment = new AtomicReference<>();
    private final Set<String> promptPrefixes = ConcurrentHashMap.newKeySet();
    private final StubBatches batches;

    private record FaultWindow(Fault fault, Instant until) {
    }

    private ModelStub(ModelStubConfig config, Clock clock) throws IOException {
        this.config = config;
        this.clock = clock;
        this.random = new SplittableRandom(config.seed());
        this.batches = new StubBatches(config.batches(), clock, body -> completion(body, false));
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(Ports.LOOPBACK), config.port()), 512);
        this.handlers = Executors.newFixedThreadPool(2, daemon("model-stub-http"));
        this.timers = Executors.newScheduledThreadPool(1, daemon("model-stub-timer"));
        server.setExecutor(handlers);
        server.createContext("/v1/chat/completions", this::handleChatCompletion);
        server.createContext("/v1/models", this::handleModels);
        server.createContext("/openai/deployments/", this::handleAzureChatCompletion);
        server.createContext("/v1/files", batches::handleFiles);
        server.createContext("/v1/batches", batches::handleBatches);
        server.start();
    }

    /** Starts a stub; {@link #baseUrl()} tells where. */
    public static ModelStub start(ModelStubConfig config) {
        try {
            ModelStub stub = new ModelStub(config, Clock.systemUTC());
            log.info("Model stub listening on {} (latency {}, fault rates {})", stub.baseUrl(), config.latency(), config.faultRates());
            return stub;
        } catch (IOException e) {
            throw new IllegalStateException("Model stub could not bind 127.0.0.1:" + config.port() + ": " + e.getMessage(), e);
        }
    }

    /** The OpenAI-style base URL, ending in {@code /v1}. */
    public String baseUrl() {
        return "http://" + Ports.LOOPBACK + ":" + port() + "/v1";
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Every request from now until {@code duration} has passed fails with {@code fault}. */
    public void failAllFor(Fault fault, Duration duration) {
        window.set(new FaultWindow(fault, clock.instant().plus(duration)));
    }

    /** Ends a {@link #failAllFor} window early. */
    public void recover() {
        window.set(null);
    }

    /** Chat-completion requests received, whatever their outcome. */
    public long requestCount() {
        return requests.get();
    }

    /** Requests answered with a completion (HTTP 200, including refusals). */
    public long completionCount() {
        return completions.get();
    }

    /** The {@code traceparent} header the last request with each {@code Idempotency-Key} carried (keys sent without one are absent). */
    public Map<String, String> traceparentByIdempotencyKey() {
        return Map.copyOf(traceparentByIdempotencyKey);
    }

    /** How many requests carried each {@code Idempotency-Key}; a value above one is a repeated call. */
    public Map<String, Integer> callsByIdempotencyKey() {
        Map<String, Integer> copy = new java.util.TreeMap<>();
        callsByIdempotencyKey.forEach((key, count) -> copy.put(key, count.get()));
        return copy;
    }

    /** Requests open now (received, not yet answered or abandoned). */
    public int openRequests() {
        return inFlight.get();
    }

    /** Answers sent with HTTP {@code status} so far. */
    public long answersWithStatus(int status) {
        AtomicLong count = answersByStatus.get(status);
        return count == null ? 0 : count.get();
    }

    /** The deployment named by the last request on the Azure path, if there was one. */
    public Optional<String> lastAzureDeployment() {
        return Optional.ofNullable(lastAzureDeployment.get());
    }

    /** Batches created through {@code POST /v1/batches} so far. */
    public int batchesCreated() {
        return batches.batchesCreated();
    }

    /** How many created batches asked each {@code custom_id}: 1 each when no request was sent in two batches. */
    public Map<String, Integer> batchRequestsByCustomId() {
        return batches.requestsByCustomId();
    }

    /** The most requests that were open at the same time. */
    public int maxConcurrentRequests() {
        return maxInFlight.get();
    }

    private void handleModels(HttpExchange exchange) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("object", "list");
        body.putArray("data").addObject().put("id", "stub-model").put("object", "model").put("owned_by", "aijobs-stub");
        send(exchange, 200, body, Map.of());
    }

    private void handleChatCompletion(HttpExchange exchange) throws IOException {
        chatCompletion(exchange, "Authorization", "Bearer ");
    }

    /** {@code /openai/deployments/DEPLOYMENT/chat/completions?api-version=V}: the key comes in {@code api-key}. */
    private void handleAzureChatCompletion(HttpExchange exchange) throws IOException {
        Matcher path = AZURE_PATH.matcher(exchange.getRequestURI().getRawPath());
        String query = exchange.getRequestURI().getRawQuery();
        if (!path.matches() || query == null || !query.contains("api-version=")) {
            sendError(exchange, 404, "invalid_request_error", "not_found",
                    "Expected /openai/deployments/DEPLOYMENT/chat/completions?api-version=VERSION", Map.of());
            return;
        }
        lastAzureDeployment.set(path.group(1));
        chatCompletion(exchange, "api-key", "");
    }

    private void chatCompletion(HttpExchange exchange, String keyHeader, String keyScheme) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            sendError(exchange, 405, "invalid_request_error", "method_not_allowed", "Use POST", Map.of());
            return;
        }
        requests.incrementAndGet();
        int open = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(open, Math::max);
        String idempotencyKey = exchange.getRequestHeaders().getFirst("Idempotency-Key");
        if (idempotencyKey != null) {
            callsByIdempotencyKey.computeIfAbsent(idempotencyKey, k -> new AtomicInteger()).incrementAndGet();
            String traceparent = exchange.getRequestHeaders().getFirst("traceparent");
            if (traceparent != null) {
                traceparentByIdempotencyKey.put(idempotencyKey, traceparent);
            }
        }
        if (config.maxConcurrent() > 0 && open > config.maxConcurrent()) {
            finish(exchange, 429, error("rate_limit_error", "concurrency_limit_exceeded",
                    "Too many concurrent requests (limit " + config.maxConcurrent() + ")"), Map.of());
            return;
        }
        if (config.apiKey().isPresent()
                && !(keyScheme + config.apiKey().get()).equals(exchange.getRequestHeaders().getFirst(keyHeader))) {
            finish(exchange, 401, error("invalid_request_error", "invalid_api_key", "Incorrect API key provided"), Map.of());
            return;
        }
        JsonNode request;
        try (InputStream in = exchange.getRequestBody()) {
            request = JSON.readTree(in);
        } catch (IOException e) {
            finish(exchange, 400, error("invalid_request_error", null, "Request body is not valid JSON"), Map.of());
            return;
        }
        if (request == null || !request.path("model").isTextual() || !request.path("messages").isArray()
                || request.path("messages").isEmpty()) {
            finish(exchange, 400, error("invalid_request_error", null, "'model' and a non-empty 'messages' are required"), Map.of());
            return;
        }
        Optional<Fault> fault = chooseFault(request);
        if (fault.isPresent() && fault.get() == Fault.TIMEOUT) {
            timers.schedule(() -> abandon(exchange), config.hangTime().toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        long delay = sampleLatency();
        timers.schedule(() -> answer(exchange, request, fault), delay, TimeUnit.MILLISECONDS);
    }

    private Optional<Fault> chooseFault(JsonNode request) {
        for (JsonNode message : request.path("messages")) {
            Matcher matcher = DIRECTIVE.matcher(message.path("content").asText(""));
            if (matcher.find()) {
                try {
                    return Optional.of(Fault.parse(matcher.group(1)));
                } catch (IllegalArgumentException ignored) {
                    // not a directive for us: treat as plain text
                }
            }
        }
        FaultWindow current = window.get();
        if (current != null && clock.instant().isBefore(current.until())) {
            return Optional.of(current.fault());
        }
        double roll = nextDouble();
        double cumulative = 0;
        for (Fault candidate : Fault.values()) {
            cumulative += config.faultRates().getOrDefault(candidate, 0.0);
            if (roll < cumulative) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private synchronized double nextDouble() {
        return random.nextDouble();
    }

    private synchronized long sampleLatency() {
        return config.latency().sampleMillis(random);
    }

    private void answer(HttpExchange exchange, JsonNode request, Optional<Fault> fault) {
        try {
            if (fault.isEmpty()) {
                finish(exchange, 200, completion(request, false), Map.of());
                return;
            }
            switch (fault.get()) {
                case RATE_LIMIT:
                    finish(exchange, 429, error("rate_limit_error", "rate_limit_exceeded", "Rate limit reached; retry later"),
                            Map.of("Retry-After", Long.toString(Math.max(1, config.retryAfter().toSeconds())),
                                    "retry-after-ms", Long.toString(config.retryAfter().toMillis())));
                    break;
                case SERVER_ERROR:
                    finish(exchange, 500, error("server_error", null, "The server had an error processing your request"), Map.of());
                    break;
                case UNAVAILABLE:
                    finish(exchange, 503, error("server_error", "overloaded", "The engine is currently overloaded"), Map.of());
                    break;
                case INVALID_REQUEST:
                    finish(exchange, 400, error("invalid_request_error", "context_length_exceeded",
                            "This model's maximum context length was exceeded"), Map.of());
                    break;
                case REFUSAL:
                    finish(exchange, 200, completion(request, true), Map.of());
                    break;
                default:
                    throw new IllegalStateException("unhandled fault " + fault.get());
            }
        } catch (IOException | RuntimeException e) {
            log.debug("Model stub could not answer: {}", e.toString());
        }
    }

    private void abandon(HttpExchange exchange) {
        inFlight.decrementAndGet();
        exchange.close();
    }

    private ObjectNode completion(JsonNode request, boolean refusal) {
        int promptTokens = 0;
        for (JsonNode message : request.path("messages")) {
            promptTokens += tokens(message);
        }
        int maxTokens = request.path("max_completion_tokens").asInt(request.path("max_tokens").asInt(DEFAULT_MAX_TOKENS));
        String content = refusal ? "I can't help with that." : "Stub answer (" + promptTokens + " prompt tokens).";
        int wanted = Math.max(1, (content.length() + 3) / 4);
        int completionTokens = Math.min(wanted, Math.max(1, maxTokens));
        String finishReason = refusal ? "content_filter" : completionTokens < wanted ? "length" : "stop";

        ObjectNode body = JSON.createObjectNode();
        body.put("id", "chatcmpl-stub-" + completions.incrementAndGet());
        body.put("object", "chat.completion");
        body.put("created", clock.instant().getEpochSecond());
        body.put("model", request.path("model").asText());
        ArrayNode choices = body.putArray("choices");
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant").put("content", content);
        if (refusal) {
            message.put("refusal", content);
        }
        choice.put("finish_reason", finishReason);
        ObjectNode usage = body.putObject("usage")
                .put("prompt_tokens", promptTokens)
                .put("completion_tokens", completionTokens)
                .put("total_tokens", promptTokens + completionTokens);
        if (config.promptCache()) {
            usage.putObject("prompt_tokens_details").put("cached_tokens", cachedPrefixTokens(request));
        }
        return body;
    }

    private static int tokens(JsonNode message) {
        return Math.max(1, (message.path("content").asText("").length() + 3) / 4);
    }

    /**
     * The tokens of the request's messages before its last one, if an earlier request of the same model began with the
     * same ones (they are remembered either way); else 0. At most {@value #PROMPT_CACHE_ENTRIES} prefixes are kept:
     * beyond that, the cache starts empty again, as a provider's evicts.
     */
    private int cachedPrefixTokens(JsonNode request) {
        JsonNode messages = request.path("messages");
        if (messages.size() < 2) {
            return 0;
        }
        MessageDigest digest = sha256();
        digest.update(request.path("model").asText("").getBytes(StandardCharsets.UTF_8));
        int prefixTokens = 0;
        for (int i = 0; i < messages.size() - 1; i++) {
            JsonNode message = messages.get(i);
            for (String part : new String[] {message.path("role").asText(""), message.path("content").asText("")}) {
                digest.update((byte) 0);
                digest.update(part.getBytes(StandardCharsets.UTF_8));
            }
            prefixTokens += tokens(message);
        }
        String key = HexFormat.of().formatHex(digest.digest());
        if (promptPrefixes.size() >= PROMPT_CACHE_ENTRIES) {
            promptPrefixes.clear();
        }
        return promptPrefixes.add(key) ? 0 : prefixTokens;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode error(String type, String code, String message) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode error = body.putObject("error").put("message", message).put("type", type);
        error.putNull("param");
        if (code == null) {
            error.putNull("code");
        } else {
            error.put("code", code);
        }
        return body;
    }

    private void finish(HttpExchange exchange, int status, ObjectNode body, Map<String, String> headers) throws IOException {
        inFlight.decrementAndGet();
        answersByStatus.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
        send(exchange, status, body, headers);
    }

    private void sendError(HttpExchange exchange, int status, String type, String code, String message,
                           Map<String, String> headers) throws IOException {
        send(exchange, status, error(type, code, message), headers);
    }

    static void send(HttpExchange exchange, int status, ObjectNode body, Map<String, String> headers) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        exchange.sendResponseHeaders(status, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + n.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public void close() {
        server.stop(0);
        timers.shutdownNow();
        handlers.shutdownNow();
    }
}
