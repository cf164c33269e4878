package io.aijobs.producer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jobs as JSON, one object per line, for files and command lines:
 *
 * <pre>
 * {"jobId":"order-42","tenantId":"acme","model":"gpt-4o-mini",
 *  "messages":[{"role":"user","content":"Summarise ..."}],
 *  "maxOutputTokens":256,"temperature":0.2,"deadline":"2026-11-27T12:00:00Z","traceId":"t-1",
 *  "metadata":{"source":"crm"},"priority":"batch"}
 * </pre>
 *
 * <p>{@code submittedAt} defaults to now. Unknown fields are an error (a typo must not silently drop a parameter).
 * Also renders results as JSON for display. Thread-safe.
 */
public final class JobJson {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FIELDS = Set.of("jobId", "tenantId", "model", "messages", "maxOutputTokens",
            "temperature", "topP", "stop", "seed", "submittedAt", "deadline", "traceId", "metadata", "priority");

    private final Clock clock;

    public JobJson(Clock clock) {
        this.clock = clock;
    }

    /** Parses one JSON object into a job; fails with a message naming the field. */
    public JobRequest parse(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("invalid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new IllegalArgumentException("unknown field '" + name + "'; known fields: " + new java.util.TreeSet<>(FIELDS));
            }
        }
        JobParameters.Builder parameters = JobParameters.newBuilder();
        if (node.has("maxOutputTokens")) {
            parameters.setMaxOutputTokens(integer(node, "maxOutputTokens"));
        }
        if (node.has("temperature")) {
            parameters.setTemperature(number(node, "temperature"));
        }
        if (node.has("topP")) {
            parameters.setTopP(number(node, "topP"));
        }
        if (node.has("seed")) {
            parameters.setSeed(node.get("seed").asLong());
        }
        if (node.has("stop")) {
            List<String> stop = new ArrayList<>();
            node.get("stop").forEach(s -> stop.add(s.asText()));
            parameters.setStop(stop);
        }
        JobRequest job = new JobRequest();
        job.setJobId(text(node, "jobId"));
        job.setTenantId(text(node, "tenantId"));
        job.setModel(text(node, "model"));
        job.setMessages(messages(node));
        job.setParameters(parameters.build());
        job.setSubmittedAt(node.has("submittedAt") ? instant(node, "submittedAt") : clock.instant());
        job.setDeadline(node.has("deadline") && !node.get("deadline").isNull() ? instant(node, "deadline") : null);
        job.setTraceId(node.has("traceId") && !node.get("traceId").isNull() ? node.get("traceId").asText() : null);
        Map<String, String> metadata = new LinkedHashMap<>();
        if (node.has("metadata")) {
            if (!node.get("metadata").isObject()) {
                throw new IllegalArgumentException("field 'metadata' must be an object of strings");
            }
            node.get("metadata").fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
        }
        job.setMetadata(metadata);
        job.setPriority(priority(node));
        return job;
    }

    /** {@code "interactive"} (the default) or {@code "batch"}, in any case. */
    private static io.aijobs.schema.JobPriority priority(JsonNode node) {
        if (!node.has("priority") || node.get("priority").isNull()) {
            return io.aijobs.schema.JobPriority.INTERACTIVE;
        }
        String value = node.get("priority").asText();
        for (io.aijobs.schema.JobPriority priority : io.aijobs.schema.JobPriority.values()) {
            if (priority.name().equalsIgnoreCase(value)) {
                return priority;
            }
        }
        throw new IllegalArgumentException("field 'priority' must be \"interactive\" or \"batch\", got '" + value + "'");
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("missing field '" + field + "'");
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException("field '" + field + "' must be a string");
        }
        return value.asText();
    }

    private static int integer(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (!value.canConvertToInt() || !value.isIntegralNumber()) {
            throw new IllegalArgumentException("field '" + field + "' must be an integer");
        }
        return value.asInt();
    }

    private static double number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (!value.isNumber()) {
            throw new IllegalArgumentException("field '" + field + "' must be a number");
        }
        return value.asDouble();
    }

    private static Instant instant(JsonNode node, String field) {
        String text = text(node, field);
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("field '" + field + "' must be an ISO-8601 instant such as 2026-11-27T10:00:00Z, got '" + text + "'");
        }
    }

    private static List<ChatMessage> messages(JsonNode node) {
        JsonNode messages = node.get("messages");
        if (messages == null || !messages.isArray()) {
            throw new IllegalArgumentException("missing field 'messages' (an array of {role, content})");
        }
        List<ChatMessage> result = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            if (!message.isObject() || !message.path("role").isTextual() || !message.path("content").isTextual()) {
                throw new IllegalArgumentException("messages[" + i + "] must be an object with string 'role' and 'content'");
            }
            result.add(new ChatMessage(message.get("role").asText(), message.get("content").asText()));
        }
        return result;
    }

    /** One result as a single JSON line, for display. */
    public static String render(JobResult result) {
        ObjectNode node = JSON.createObjectNode();
        node.put("jobId", result.getJobId());
        node.put("tenantId", result.getTenantId());
        node.put("model", result.getModel());
        node.put("finishReason", result.getFinishReason());
        node.put("inputTokens", result.getInputTokens());
        node.put("outputTokens", result.getOutputTokens());
        node.put("costNanos", result.getCost().getAmountNanos());
        node.put("currency", result.getCost().getCurrency());
        node.put("attempts", result.getAttempts());
        node.put("completedAt", result.getTimings().getCompletedAt().toString());
        node.put("modelLatencyMs", result.getTimings().getModelLatencyMs());
        node.put("output", result.getOutput());
        return node.toString();
    }
}
