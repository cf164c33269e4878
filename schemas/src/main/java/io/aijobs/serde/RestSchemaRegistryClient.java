package io.aijobs.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * {@link SchemaRegistryClient} over the Confluent REST API ({@code application/vnd.schemaregistry.v1+json}).
 *
 * <p>Works against Confluent Schema Registry and against Apicurio Registry's Confluent-compatible endpoint
 * ({@code http://host:port/apis/ccompat/v7}). Ids are global and immutable, so the schema behind an id and the id of
 * a schema under a subject are cached forever; nothing else is cached. No retries: a caller that wants them decides
 * (see {@link SchemaRegistryException#isRetriable()}).
 *
 * <p>Thread-safe; share one instance per registry URL.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI baseUrl;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final java.util.Optional<String> authorization;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();

    /**
     * @param baseUrl        e.g. {@code http://127.0.0.1:8081} or {@code http://127.0.0.1:8080/apis/ccompat/v7}
     * @param requestTimeout bound on each request
     */
    public RestSchemaRegistryClient(String baseUrl, Duration requestTimeout) {
        this(new RegistryConnection(baseUrl, java.util.Optional.empty(), java.util.Optional.empty()), requestTimeout);
    }

    /**
     * A client of the registry {@code config} names, with its authentication ({@code basic.auth.*},
     * {@code bearer.auth.*}) and TLS ({@code schema.registry.ssl.*}) settings, as Confluent's clients take them.
     *
     * @throws org.apache.kafka.common.config.ConfigException naming the key, on an unreadable store or missing credentials
     */
    public static RestSchemaRegistryClient create(AvroSerdeConfig config) {
        return new RestSchemaRegistryClient(RegistryConnection.from(config), Duration.ofMillis(config.requestTimeoutMs()));
    }

    /** {@link #create(AvroSerdeConfig)} from plain properties. */
    public static RestSchemaRegistryClient create(Map<String, ?> config) {
        return create(new AvroSerdeConfig(config));
    }

    private RestSchemaRegistryClient(RegistryConnection connection, Duration requestTimeout) {
        String baseUrl = connection.baseUrl();
        Objects.requireNonNull(baseUrl, "baseUrl");
        String trimmed = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        URI uri = URI.create(trimmed);
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException("schema.registry.url must be an http(s) URL, got '" + baseUrl + "'");
        }
        this.baseUrl = uri;
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.authorization = connection.authorization();
        // HTTP/1.1, as Confluent's client speaks: over TLS the JDK would negotiate HTTP/2, and Java 17's client fails
        // requests in flight when the server closes an HTTP/2 connection (GOAWAY), as Apicurio over HTTPS did in tests
        HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(requestTimeout).version(HttpClient.Version.HTTP_1_1);
        connection.sslContext().ifPresent(http::sslContext);
        this.http = http.build();
    }

    public String baseUrl() {
        return baseUrl.toString();
    }

    @Override
    public int register(String subject, Schema schema) {
        Integer cached = cachedId(subject, schema);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
        int id = answer.path("id").asInt(-1);
        if (id < 0) {
            throw new SchemaRegistryException(200, SchemaRegistryException.NO_RESPONSE, "Registry answered a register of subject '"
                    + subject + "' without an id: " + answer);
        }
        remember(subject, schema, id);
        return id;
    }

    @Override
    public RegisteredSchema lookup(String subject, Schema schema) {
        JsonNode answer = send("POST", "/subjects/" + encode(subject), schemaBody(schema));
        RegisteredSchema registered = new RegisteredSchema(answer.path("subject").asText(subject),
                answer.path("version").asInt(), answer.path("id").asInt(), schema);
        remember(subject, schema, registered.id());
        return registered;
    }

    /** The id under {@code subject} if this client registered or looked the schema up before. */
    Integer cachedId(String subject, Schema schema) {
        Map<Schema, Integer> ids = idsBySubject.get(subject);
        return ids == null ? null : ids.get(schema);
    }

    private void remember(String subject, Schema schema, int id) {
        idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schema, id);
        schemasById.putIfAbsent(id, schema);
    }

    @Override
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("GET", "/schemas/ids/" + id, null);
        String type = answer.path("schemaType").asText("AVRO");
        if (!"AVRO".equals(type)) {
            throw new SchemaRegistryException(200, SchemaRegistryException.NO_RESPONSE,
                    "Schema id " + id + " is a " + type + " schema; only AVRO is supported");
        }
        Schema schema = parse(answer.path("schema").asText(), "schema id " + id);
        Schema previous = schemasById.putIfAbsent(id, schema);
        return previous != null ? previous : schema;
    }

    @Override
    public RegisteredSchema latest(String subject) {
        JsonNode answer = send("GET", "/subjects/" + encode(subject) + "/versions/latest", null);
        return new RegisteredSchema(subject, answer.path("version").asInt(), answer.path("id").asInt(),
                parse(answer.path("schema").asText(), "subject " + subject));
    }

    @Override
    public List<String> subjects() {
        JsonNode answer = send("GET", "/subjects", null);
        List<String> subjects = new ArrayList<>();
        answer.forEach(node -> subjects.add(node.asText()));
        return subjects;
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        try {
            JsonNode answer = send("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest", schemaBody(schema));
            return answer.path("is_compatible").asBoolean(false);
        } catch (SchemaRegistryException e) {
            if (e.isSubjectNotFound() || e.errorCode() == SchemaRegistryException.VERSION_NOT_FOUND) {
                return true;
            }
            if (e.isIncompatible()) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public CompatibilityLevel globalCompatibility() {
        return level(send("GET", "/config", null));
    }

    @Override
    public void setGlobalCompatibility(CompatibilityLevel level) {
        send("PUT", "/config", JSON.createObjectNode().put("compatibility", level.name()));
    }

    @Override
    public void setSubjectCompatibility(String subject, CompatibilityLevel level) {
        send("PUT", "/config/" + encode(subject), JSON.createObjectNode().put("compatibility", level.name()));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Apicurio answers NONE for a subject without its own level even when the global level applies.
     */
    @Override
    public CompatibilityLevel subjectCompatibility(String subject) {
        return level(send("GET", "/config/" + encode(subject) + "?defaultToGlobal=true", null));
    }

    private static CompatibilityLevel level(JsonNode answer) {
        String level = answer.path("compatibilityLevel").asText(answer.path("compatibility").asText(""));
        return CompatibilityLevel.parse(level);
    }

    private static ObjectNode schemaBody(Schema schema) {
        // No schemaType: AVRO is the default in both Confluent's and Apicurio's API.
        return JSON.createObjectNode().put("schema", schema.toString());
    }

    private static Schema parse(String text, String what) {
        try {
            return new Schema.Parser().parse(text);
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException(200, SchemaRegistryException.INVALID_SCHEMA,
                    "Registry returned an unparseable Avro schema for " + what + ": " + e.getMessage());
        }
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode send(String method, String path, JsonNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(requestTimeout)
                .header("Accept", CONTENT_TYPE + ", application/json");
        authorization.ifPresent(value -> request.header("Authorization", value));
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", CONTENT_TYPE);
            request.method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SchemaRegistryException("Schema registry at " + baseUrl + " unreachable (" + method + " " + path
                    + "): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("Interrupted while calling the schema registry", e);
        }
        JsonNode answer = readJson(response.body());
        if (response.statusCode() / 100 != 2) {
            int errorCode = answer.path("error_code").asInt(response.statusCode());
            String message = answer.path("message").asText(response.body());
            throw new SchemaRegistryException(response.statusCode(), errorCode, "Schema registry " + method + " " + path
                    + " failed: HTTP " + response.statusCode() + ", error_code " + errorCode + ": " + message);
        }
        return answer;
    }

    private static JsonNode readJson(String body) {
        if (body == null || body.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }
}
