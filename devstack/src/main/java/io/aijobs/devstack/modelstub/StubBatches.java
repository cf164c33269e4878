package io.aijobs.devstack.modelstub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenAI batch interface of the model stub, in memory: {@code POST /v1/files} (multipart, {@code purpose=batch},
 * a JSONL file of chat-completion requests with {@code custom_id}s), {@code GET /v1/files/ID/content},
 * {@code POST /v1/batches}, {@code GET /v1/batches/ID} and {@code GET /v1/batches} (newest first). A batch is
 * {@code in_progress} until its {@link BatchBehaviour#completionDelay()} has passed, then {@code completed} (or
 * {@code expired}) with an output file of answers and an error file, as the behaviour says. Answers are made like the
 * stub's chat completions, without latency or faults.
 */
final class StubBatches {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern FILE_CONTENT = Pattern.compile("/v1/files/([^/]+)/content");
    private static final Pattern BATCH = Pattern.compile("/v1/batches/([^/]+)");
    private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";]+)\"?");

    private record Batch(String id, String inputFileId, Instant createdAt, Map<String, String> metadata, List<JsonNode> requests) {
    }

    private final BatchBehaviour behaviour;
    private final Clock clock;
    private final Function<JsonNode, ObjectNode> answer;
    private final Map<String, String> files = new ConcurrentHashMap<>();
    private final Map<String, Batch> batches = new ConcurrentHashMap<>();
    private final List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong ids = new AtomicLong();

    StubBatches(BatchBehaviour behaviour, Clock clock, Function<JsonNode, ObjectNode> answer) {
        this.behaviour = behaviour;
        this.clock = clock;
        this.answer = answer;
    }

    int batchesCreated() {
        return batches.size();
    }

    /** How many created batches asked each {@code custom_id}. */
    Map<String, Integer> requestsByCustomId() {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        for (Batch batch : batches.values()) {
            batch.requests().forEach(request -> counts.merge(request.path("custom_id").asText(), 1, Integer::sum));
        }
        return counts;
    }

    void handleFiles(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        Matcher content = FILE_CONTENT.matcher(path);
        if ("GET".equals(exchange.getRequestMethod()) && content.matches()) {
            String file = files.get(content.group(1));
            if (file == null) {
                send(exchange, 404, error("No such file: " + content.group(1)));
                return;
            }
            byte[] bytes = file.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/jsonl");
            exchange.sendResponseHeaders(200, bytes.length);
            try (var out = exchange.getResponseBody()) {
                out.write(bytes);
            }
            return;
        }
        if ("POST".equals(exchange.getRequestMethod()) && path.equals("/v1/files")) {
            upload(exchange);
            return;
        }
        send(exchange, 404, error("Unknown files route " + exchange.getRequestMethod() + " " + path));
    }

    private void upload(HttpExchange exchange) throws IOException {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        Matcher boundary = type == null ? null : BOUNDARY.matcher(type);
        if (boundary == null || !type.startsWith("multipart/form-data") || !boundary.find()) {
            send(exchange, 400, error("Expected multipart/form-data with a boundary"));
            return;
        }
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        Map<String, String> parts = new java.util.HashMap<>();
        for (String part : new String(body, StandardCharsets.UTF_8).split("--" + Pattern.quote(boundary.group(1)))) {
            int headersEnd = part.indexOf("\r\n\r\n");
            Matcher name = Pattern.compile("name=\"([^\"]+)\"").matcher(headersEnd < 0 ? "" : part.substring(0, headersEnd));
            if (name.find()) {
                String value = part.substring(headersEnd + 4);
                parts.put(name.group(1), value.endsWith("\r\n") ? value.substring(0, value.length() - 2) : value);
            }
        }
        if (!"batch".equals(parts.get("purpose")) || !parts.containsKey("file")) {
            send(exchange, 400, error("A batch file needs purpose=batch and a file part"));
            return;
        }
        String id = "file-stub-" + ids.incrementAndGet();
        files.put(id, parts.get("file"));
        send(exchange, 200, JSON.createObjectNode().put("id", id).put("object", "file").put("purpose", "batch")
                .put("bytes", parts.get("file").getBytes(StandardCharsets.UTF_8).length).put("created_at", clock.instant().getEpochSecond()));
    }

    void handleBatches(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        Matcher one = BATCH.matcher(path);
        if ("GET".equals(exchange.getRequestMethod()) && one.matches()) {
            Batch batch = batches.get(one.group(1));
            send(exchange, batch == null ? 404 : 200, batch == null ? error("No such batch: " + one.group(1)) : render(batch));
            return;
        }
        if ("GET".equals(exchange.getRequestMethod()) && path.equals("/v1/batches")) {
            ObjectNode list = JSON.createObjectNode().put("object", "list").put("has_more", false);
            ArrayNode data = list.putArray("data");
            List<String> newestFirst;
            synchronized (order) {
                newestFirst = new ArrayList<>(order);
            }
            java.util.Collections.reverse(newestFirst);
            newestFirst.forEach(id -> data.add(render(batches.get(id))));
            send(exchange, 200, list);
            return;
        }
        if ("POST".equals(exchange.getRequestMethod()) && path.equals("/v1/batches")) {
            create(exchange);
            return;
        }
        send(exchange, 404, error("Unknown batches route " + exchange.getRequestMethod() + " " + path));
    }

    private void create(HttpExchange exchange) throws IOException {
        JsonNode request;
        try (InputStream in = exchange.getRequestBody()) {
            request = JSON.readTree(in);
        }
        String file = request == null ? null : files.get(request.path("input_file_id").asText(""));
        if (file == null || !"/v1/chat/completions".equals(request.path("endpoint").asText())) {
            send(exchange, 400, error("A batch needs an uploaded input_file_id and endpoint /v1/chat/completions"));
            return;
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : file.split("\n")) {
            if (!line.isBlank()) {
                lines.add(JSON.readTree(line));
            }
        }
        Map<String, String> metadata = new java.util.TreeMap<>();
        request.path("metadata").fields().forEachRemaining(field -> metadata.put(field.getKey(), field.getValue().asText()));
        String id = "batch_stub_" + ids.incrementAndGet();
        Batch batch = new Batch(id, request.path("input_file_id").asText(), clock.instant(), metadata, lines);
        batches.put(id, batch);
        order.add(id);
        send(exchange, 200, render(batch));
    }

    /** The batch as the provider shows it now; its files are made when it first shows as ended. */
    private synchronized ObjectNode render(Batch batch) {
        boolean ended = !clock.instant().isBefore(batch.createdAt().plus(behaviour.completionDelay()));
        ObjectNode node = JSON.createObjectNode().put("id", batch.id()).put("object", "batch").put("endpoint", "/v1/chat/completions")
                .put("input_file_id", batch.inputFileId()).put("completion_window", "24h")
                .put("created_at", batch.createdAt().getEpochSecond());
        node.set("metadata", JSON.valueToTree(batch.metadata()));
        ObjectNode counts = node.putObject("request_counts").put("total", batch.requests().size());
        if (!ended) {
            node.put("status", "in_progress").putNull("output_file_id").putNull("error_file_id");
            counts.put("completed", 0).put("failed", 0);
            return node;
        }
        String outputId = batch.id() + "-output";
        String errorId = batch.id() + "-errors";
        StringBuilder output = new StringBuilder();
        StringBuilder errors = new StringBuilder();
        int completed = 0;
        int failed = 0;
        for (int i = 0; i < batch.requests().size(); i++) {
            int n = i + 1;
            JsonNode request = batch.requests().get(i);
            String customId = request.path("custom_id").asText();
            if (behaviour.omitEvery() > 0 && n % behaviour.omitEvery() == 0) {
                continue;
            }
            if (behaviour.expire() && i >= batch.requests().size() / 2) {
                // as OpenAI writes a request the window left unrun: no response, an error batch_expired, in the error file
                ObjectNode line = JSON.createObjectNode().put("id", "batch_req_" + batch.id() + "_" + n).put("custom_id", customId);
                line.putNull("response");
                line.putObject("error").put("code", "batch_expired")
                        .put("message", "This request could not be executed before the completion window expired.");
                errors.append(line).append('\n');
                failed++;
                continue;
            }
            ObjectNode line = JSON.createObjectNode().put("id", "batch_req_" + batch.id() + "_" + n).put("custom_id", customId);
            if (behaviour.failEvery() > 0 && n % behaviour.failEvery() == 0) {
                ObjectNode response = line.putObject("response").put("status_code", 500).put("request_id", "req_" + n);
                response.putObject("body").putObject("error").put("message", "The server had an error").put("type", "server_error");
                line.putNull("error");
                errors.append(line).append('\n');
                failed++;
            } else {
                ObjectNode response = line.putObject("response").put("status_code", 200).put("request_id", "req_" + n);
                response.set("body", answer.apply(request.path("body")));
                line.putNull("error");
                output.append(line).append('\n');
                completed++;
            }
        }
        if (behaviour.unknownCustomId()) {
            ObjectNode line = JSON.createObjectNode().put("id", "batch_req_" + batch.id() + "_unknown").put("custom_id", "not-in-this-batch");
            ObjectNode response = line.putObject("response").put("status_code", 200).put("request_id", "req_unknown");
            response.set("body", answer.apply(batch.requests().isEmpty() ? JSON.createObjectNode() : batch.requests().get(0).path("body")));
            line.putNull("error");
            output.append(line).append('\n');
        }
        files.putIfAbsent(outputId, output.toString());
        files.putIfAbsent(errorId, errors.toString());
        node.put("status", behaviour.expire() ? "expired" : "completed").put("output_file_id", outputId).put("error_file_id", errorId);
        counts.put("completed", completed).put("failed", failed);
        return node;
    }

    private static ObjectNode error(String message) {
        return ModelStub.error("invalid_request_error", null, message);
    }

    private static void send(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        ModelStub.send(exchange, status, body, Map.of());
    }
}
