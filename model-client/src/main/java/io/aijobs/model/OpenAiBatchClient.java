package io.aijobs.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aijobs.schema.JobRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The OpenAI batch interface ({@code /v1/files}, {@code /v1/batches}) of an OpenAI-compatible service: upload a JSONL
 * file of chat-completion requests, each with a {@code custom_id}; create a batch of it, tagged with metadata; follow
 * it; read its answers and errors back as {@link ModelOutcome}s by {@code custom_id}. Calls block for at most
 * {@code timeout} each: they are a handful per batch, made off the stream threads. The API key is sent as a bearer
 * token and never logged; request and answer contents are never logged.
 */
public final class OpenAiBatchClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The most batches {@link #findByMetadata} looks through, newest first. */
    static final int LIST_LIMIT = 100;

    /** A batch's status, as the service reports it; a status this client does not know is {@code UNKNOWN}. */
    public enum Status {
        VALIDATING, IN_PROGRESS, FINALIZING, COMPLETED, FAILED, EXPIRED, CANCELLING, CANCELLED, UNKNOWN;

        static Status of(String text) {
            try {
                return valueOf(text.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return UNKNOWN;
            }
        }

        /** Whether the batch will change no more: its files, if any, are final. */
        public boolean ended() {
            return this == COMPLETED || this == FAILED || this == EXPIRED || this == CANCELLED;
        }
    }

    /** A batch as the service shows it. */
    public record Batch(String id, Status status, Optional<String> inputFileId, Optional<String> outputFileId, Optional<String> errorFileId,
                        Map<String, String> metadata) {
    }

    /**
     * The service refused a request for good (HTTP 4xx other than 408 and 429): sending the same again will not
     * succeed. Other failures (5xx, timeouts, connection errors) are plain {@link IOException}s, worth a retry.
     */
    public static final class RejectedException extends IOException {
        private final int status;

        RejectedException(String message, int status) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** One request of a batch: its {@code custom_id} (at most 64 characters at OpenAI) and the job it asks for. */
    public record Request(String customId, JobRequest job) {
        public Request {
            Objects.requireNonNull(customId, "customId");
            Objects.requireNonNull(job, "job");
        }
    }

    /**
     * One line of a batch's output or error file: the {@code custom_id} it answers and what the answer was.
     * {@code ran} is false for a line with an {@code error} and no {@code response}: the service did not run the request
     * ({@code batch_expired}, {@code batch_cancelled}, ...), and {@code outcome} is an {@link ModelOutcome.InvalidRequest}
     * with that code.
     */
    public record Result(String customId, ModelOutcome outcome, boolean ran) {
    }

    private final String baseUrl;
    private final Optional<String> apiKey;
    private final Duration timeout;
    private final HttpClient http;

    /** @param baseUrl the service's base URL, e.g. {@code https://api.openai.com/v1} */
    public OpenAiBatchClient(String baseUrl, Optional<String> apiKey, Duration timeout) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** Uploads the requests as a batch input file ({@code purpose=batch}); returns the file's id. */
    public String upload(List<Request> requests) throws IOException, InterruptedException {
        StringBuilder jsonl = new StringBuilder();
        for (Request request : requests) {
            ObjectNode line = JSON.createObjectNode().put("custom_id", request.customId()).put("method", "POST")
                    .put("url", "/v1/chat/completions");
            line.set("body", JSON.readTree(OpenAiModelClient.requestBody(request.job())));
            jsonl.append(JSON.writeValueAsString(line)).append('\n');
        }
        String boundary = "aijobs-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"batch.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(jsonl.toString().getBytes(StandardCharsets.UTF_8));
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        JsonNode file = send(request("/files").header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())), "upload a batch file");
        return file.path("id").asText();
    }

    /** Creates a batch of an uploaded file, for {@code /v1/chat/completions} in a 24 h window, tagged with {@code metadata}. */
    public Batch create(String inputFileId, Map<String, String> metadata) throws IOException, InterruptedException {
        ObjectNode request = JSON.createObjectNode().put("input_file_id", inputFileId).put("endpoint", "/v1/chat/completions")
                .put("completion_window", "24h");
        request.set("metadata", JSON.valueToTree(metadata));
        return batch(send(request("/batches").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(request))), "create a batch"));
    }

    /** The batch as the service shows it now. */
    public Batch get(String batchId) throws IOException, InterruptedException {
        return batch(send(request("/batches/" + URLEncoder.encode(batchId, StandardCharsets.UTF_8)).GET(), "read batch " + batchId));
    }

    /**
     * The newest of the last {@value #LIST_LIMIT} batches whose metadata maps {@code key} to {@code value}: how a batch
     * whose creation was not recorded is found again instead of being created twice.
     */
    public Optional<Batch> findByMetadata(String key, String value) throws IOException, InterruptedException {
        JsonNode list = send(request("/batches?limit=" + LIST_LIMIT).GET(), "list batches");
        for (JsonNode node : list.path("data")) {
            if (value.equals(node.path("metadata").path(key).asText(null))) {
                return Optional.of(batch(node));
            }
        }
        return Optional.empty();
    }

    /** The {@code custom_id}s of a batch's input file, in its order: what the service was asked, whoever asked it. */
    public List<String> requestIds(Batch batch) throws IOException, InterruptedException {
        List<String> ids = new ArrayList<>();
        if (batch.inputFileId().isEmpty()) {
            return ids;
        }
        String content = sendForText(request("/files/" + URLEncoder.encode(batch.inputFileId().get(), StandardCharsets.UTF_8) + "/content").GET(),
                "read the input file of batch " + batch.id());
        for (String line : content.split("\n")) {
            if (!line.isBlank()) {
                String customId = JSON.readTree(line).path("custom_id").asText(null);
                if (customId != null) {
                    ids.add(customId);
                }
            }
        }
        return ids;
    }

    /**
     * The answers of an ended batch, from its output file and then its error file, one per line. A line without a
     * {@code custom_id} is left out; a line whose {@code response} is missing (an {@code error} instead: the request was
     * not run) is an {@link ModelOutcome.InvalidRequest} with the error's code, and {@link Result#ran()} false. Which {@code custom_id}s the batch had, and so which
     * lines are unknown or missing, is the caller's to check.
     */
    public List<Result> results(Batch batch) throws IOException, InterruptedException {
        List<Result> results = new ArrayList<>();
        for (Optional<String> file : List.of(batch.outputFileId(), batch.errorFileId())) {
            if (file.isEmpty()) {
                continue;
            }
            String content = sendForText(request("/files/" + URLEncoder.encode(file.get(), StandardCharsets.UTF_8) + "/content").GET(),
                    "read the file of batch " + batch.id());
            for (String line : content.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node = JSON.readTree(line);
                String customId = node.path("custom_id").asText(null);
                if (customId == null) {
                    continue;
                }
                JsonNode response = node.path("response");
                ModelOutcome outcome = response.isObject()
                        ? OpenAiModelClient.fromAnswer(response.path("status_code").asInt(500), response.path("body"), Optional.empty(), Duration.ZERO)
                        : new ModelOutcome.InvalidRequest(400, Optional.ofNullable(node.path("error").path("code").textValue()),
                                node.path("error").path("message").asText("batch request failed"), Duration.ZERO);
                results.add(new Result(customId, outcome, response.isObject()));
            }
        }
        return results;
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(timeout);
        apiKey.ifPresent(key -> builder.header("Authorization", "Bearer " + key));
        return builder;
    }

    private JsonNode send(HttpRequest.Builder request, String what) throws IOException, InterruptedException {
        return JSON.readTree(sendForText(request, what));
    }

    private String sendForText(HttpRequest.Builder request, String what) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            String message;
            try {
                message = JSON.readTree(response.body().isBlank() ? "{}" : response.body()).path("error").path("message").asText("");
            } catch (IOException notJson) {
                message = "";
            }
            String text = "Could not " + what + ": HTTP " + response.statusCode() + (message.isEmpty() ? "" : " (" + message + ")");
            int status = response.statusCode();
            throw status / 100 == 4 && status != 408 && status != 429 ? new RejectedException(text, status) : new IOException(text);
        }
        return response.body();
    }

    private static Batch batch(JsonNode node) {
        Map<String, String> metadata = new TreeMap<>();
        node.path("metadata").fields().forEachRemaining(field -> metadata.put(field.getKey(), field.getValue().asText()));
        return new Batch(node.path("id").asText(), Status.of(node.path("status").asText("unknown")),
                Optional.ofNullable(node.path("input_file_id").textValue()), Optional.ofNullable(node.path("output_file_id").textValue()), Optional.ofNullable(node.path("error_file_id").textValue()),
                metadata);
    }
}
