package io.aijobs.processor.routing;

import io.aijobs.model.HttpTarget;
import io.aijobs.model.routing.Endpoint;
import io.aijobs.model.routing.Route;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * The processor's routing table: named endpoints ({@code model.endpoint.NAME.*}) and named routes
 * ({@code model.route.NAME.*}) from model patterns to endpoints, parsed and checked at start. Every error names its
 * key:
 * <ul>
 *   <li>a route naming an endpoint that {@code model.endpoints} does not list;</li>
 *   <li>two routes whose patterns overlap (some model matches both) unless both state an {@code order}, and the
 *       orders differ: the lower is tried first;</li>
 *   <li>a budget below one (request or token) a minute, a concurrency below one;</li>
 *   <li>an API key variable that is unset, a key file that cannot be read, both given at once.</li>
 * </ul>
 * Each endpoint's keys are defined by {@link #endpointDef}, each route's by {@link #routeDef}: the README's tables of
 * them are checked against those definitions.
 */
public final class RoutingConfig {

    public static final String ENDPOINTS_CONFIG = "model.endpoints";
    public static final String ROUTES_CONFIG = "model.routes";
    public static final String ENDPOINT_PREFIX = "model.endpoint.";
    public static final String ROUTE_PREFIX = "model.route.";

    public static final String BASE_URL = "base.url";
    public static final String CHAT_PATH = "chat.path";
    public static final String API_KEY_ENV = "api.key.env";
    public static final String API_KEY_FILE = "api.key.file";
    public static final String API_KEY_HEADER = "api.key.header";
    public static final String API_KEY_SCHEME = "api.key.scheme";
    public static final String HEADER_PREFIX = "header.";
    public static final String TIMEOUT_MS = "timeout.ms";
    public static final String MAX_CONCURRENCY = "max.concurrency";
    public static final String CONCURRENCY_ADAPTIVE = "concurrency.adaptive";
    public static final String REQUESTS_PER_MINUTE = "requests.per.minute";
    public static final String TOKENS_PER_MINUTE = "tokens.per.minute";
    public static final String RETRY_AFTER_MAX_MS = "retry.after.max.ms";

    public static final String MODELS = "models";
    public static final String ROUTE_ENDPOINTS = "endpoints";
    public static final String ORDER = "order";

    /** The endpoint {@code model.base.url} makes when {@code model.endpoints} is not set. */
    public static final String DEFAULT_ENDPOINT = "default";

    /** One endpoint as configured. */
    public record EndpointSettings(String name, HttpTarget target, Duration timeout, Endpoint.Limits limits) {
    }

    /** One route as configured: patterns, and endpoint names in the order they are tried. */
    public record RouteSettings(String name, List<String> models, List<String> endpoints, Integer order) {
    }

    /** The table: every endpoint, and the routes in the order they are matched. */
    public record Table(List<EndpointSettings> endpoints, List<RouteSettings> routes) {
    }

    private RoutingConfig() {
    }

    /** The keys of endpoint {@code name} ({@code header.*} aside, which takes any header name). */
    public static ConfigDef endpointDef(String name) {
        String p = ENDPOINT_PREFIX + name + ".";
        return new ConfigDef()
                .define(p + BASE_URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                        "API base of the endpoint, e.g. https://api.openai.com/v1; {model} in it is replaced by the job's model.")
                .define(p + CHAT_PATH, Type.STRING, "/chat/completions", Importance.LOW,
                        "Appended to the base for chat completions; may carry a query (Azure: /chat/completions?api-version=...).")
                .define(p + API_KEY_ENV, Type.STRING, null, Importance.HIGH,
                        "Environment variable holding the endpoint's API key (read at start; never logged).")
                .define(p + API_KEY_FILE, Type.STRING, null, Importance.HIGH,
                        "File holding the endpoint's API key, e.g. a mounted secret (read at start; trimmed; never logged).")
                .define(p + API_KEY_HEADER, Type.STRING, "Authorization", new ConfigDef.NonEmptyString(), Importance.LOW,
                        "Header carrying the key (Azure: api-key).")
                .define(p + API_KEY_SCHEME, Type.STRING, "Bearer", Importance.LOW,
                        "Written before the key in that header; empty for the bare key (Azure).")
                .define(p + TIMEOUT_MS, Type.LONG, null, unsetOr(Range.atLeast(1)), Importance.MEDIUM,
                        "Bound on one call to this endpoint; model.timeout.ms when not set.")
                .define(p + MAX_CONCURRENCY, Type.INT, null, unsetOr(Range.between(1, 100_000)), Importance.HIGH,
                        "Most calls open at once to this endpoint from this instance; max.in.flight when not set.")
                .define(p + CONCURRENCY_ADAPTIVE, Type.BOOLEAN, true, Importance.MEDIUM,
                        "Adapt the concurrency below max.concurrency: cut by 10% on 429 or 503, grow by one per round of answers.")
                .define(p + REQUESTS_PER_MINUTE, Type.LONG, null, unsetOr(Range.atLeast(1)), Importance.MEDIUM,
                        "Requests a minute this instance may send to the endpoint; calls beyond it wait.")
                .define(p + TOKENS_PER_MINUTE, Type.LONG, null, unsetOr(Range.atLeast(1)), Importance.MEDIUM,
                        "Tokens (input and output, from each answer's usage) a minute for this instance; calls wait while it is spent.")
                .define(p + RETRY_AFTER_MAX_MS, Type.LONG, 60_000L, Range.atLeast(0), Importance.LOW,
                        "Longest a 429's Retry-After holds every call to the endpoint.");
    }

    private static ConfigDef.Validator unsetOr(ConfigDef.Validator validator) {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            if (value != null) {
                validator.ensureValid(name, value);
            }
        }, () -> validator + ", or unset");
    }

    /** The keys of route {@code name}. */
    public static ConfigDef routeDef(String name) {
        String p = ROUTE_PREFIX + name + ".";
        return new ConfigDef()
                .define(p + MODELS, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                        "Models the route serves: exact names, prefixes ending in *, or * for every model.")
                .define(p + ROUTE_ENDPOINTS, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                        "Endpoints, in the order they are tried: a TRANSIENT or RATE_LIMITED failure falls back to the next.")
                .define(p + ORDER, Type.INT, null, Importance.MEDIUM,
                        "Required of routes whose patterns overlap: the lower order is matched first.");
    }

    /**
     * Parses the table from the processor's settings.
     *
     * @param endpoints       the names in {@code model.endpoints}
     * @param routes          the names in {@code model.routes}
     * @param defaultTimeout  {@code model.timeout.ms}
     * @param maxInFlight     {@code max.in.flight}
     * @param environment     reads environment variables
     */
    public static Table parse(Map<String, ?> originals, List<String> endpoints, List<String> routes, Duration defaultTimeout,
                              int maxInFlight, UnaryOperator<String> environment) {
        if (routes.isEmpty()) {
            throw new ConfigException(ROUTES_CONFIG, "", "model.endpoints is set: name at least one route (model.routes)");
        }
        Map<String, EndpointSettings> byName = new LinkedHashMap<>();
        for (String name : endpoints) {
            if (byName.containsKey(name)) {
                throw new ConfigException(ENDPOINTS_CONFIG, endpoints, "names endpoint " + name + " twice");
            }
            byName.put(name, endpoint(name, originals, defaultTimeout, maxInFlight, environment));
        }
        List<RouteSettings> parsed = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String name : routes) {
            if (!seen.add(name)) {
                throw new ConfigException(ROUTES_CONFIG, routes, "names route " + name + " twice");
            }
            parsed.add(route(name, originals, byName.keySet()));
        }
        checkOverlaps(parsed);
        List<RouteSettings> ordered = new ArrayList<>(parsed);
        ordered.sort(Comparator.comparing(RouteSettings::order, Comparator.nullsLast(Comparator.naturalOrder())));
        return new Table(List.copyOf(byName.values()), List.copyOf(ordered));
    }

    private static EndpointSettings endpoint(String name, Map<String, ?> originals, Duration defaultTimeout, int maxInFlight,
                                             UnaryOperator<String> environment) {
        String p = ENDPOINT_PREFIX + name + ".";
        AbstractConfig config = new AbstractConfig(endpointDef(name), originals, false);
        String env = config.getString(p + API_KEY_ENV);
        String file = config.getString(p + API_KEY_FILE);
        Optional<String> key = Optional.empty();
        if (env != null && file != null) {
            throw new ConfigException(p + API_KEY_FILE, file, "give the key by " + p + API_KEY_ENV + " or by this, not both");
        }
        if (env != null) {
            String value = environment.apply(env);
            if (value == null || value.isBlank()) {
                throw new ConfigException(p + API_KEY_ENV, env, "the environment variable is not set");
            }
            key = Optional.of(value.trim());
        } else if (file != null) {
            try {
                String value = Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
                if (value.isEmpty()) {
                    throw new ConfigException(p + API_KEY_FILE, file, "the file is empty");
                }
                key = Optional.of(value);
            } catch (IOException e) {
                throw new ConfigException(p + API_KEY_FILE, file, "cannot be read: " + e.getClass().getSimpleName());
            }
        }
        Map<String, String> headers = new LinkedHashMap<>();
        new AbstractConfig(new ConfigDef(), originals, false).originalsWithPrefix(p + HEADER_PREFIX)
                .forEach((header, value) -> headers.put(header, String.valueOf(value)));
        HttpTarget target;
        try {
            target = new HttpTarget(config.getString(p + BASE_URL), config.getString(p + CHAT_PATH), key,
                    config.getString(p + API_KEY_HEADER), config.getString(p + API_KEY_SCHEME).trim(), headers);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(p + BASE_URL, config.getString(p + BASE_URL), e.getMessage());
        }
        Long timeout = config.getLong(p + TIMEOUT_MS);
        Integer concurrency = config.getInt(p + MAX_CONCURRENCY);
        Long rpm = config.getLong(p + REQUESTS_PER_MINUTE);
        Long tpm = config.getLong(p + TOKENS_PER_MINUTE);
        Endpoint.Limits limits = new Endpoint.Limits(concurrency == null ? maxInFlight : concurrency,
                config.getBoolean(p + CONCURRENCY_ADAPTIVE), rpm == null ? OptionalLong.empty() : OptionalLong.of(rpm),
                tpm == null ? OptionalLong.empty() : OptionalLong.of(tpm), Duration.ofMillis(config.getLong(p + RETRY_AFTER_MAX_MS)));
        return new EndpointSettings(name, target, timeout == null ? defaultTimeout : Duration.ofMillis(timeout), limits);
    }

    private static RouteSettings route(String name, Map<String, ?> originals, Set<String> endpoints) {
        String p = ROUTE_PREFIX + name + ".";
        AbstractConfig config = new AbstractConfig(routeDef(name), originals, false);
        List<String> models = config.getList(p + MODELS);
        if (models.isEmpty()) {
            throw new ConfigException(p + MODELS, "", "name at least one model or pattern");
        }
        for (String pattern : models) {
            try {
                Route.checkPattern(pattern);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(p + MODELS, models, e.getMessage());
            }
        }
        List<String> targets = config.getList(p + ROUTE_ENDPOINTS);
        if (targets.isEmpty()) {
            throw new ConfigException(p + ROUTE_ENDPOINTS, "", "name at least one endpoint of " + ENDPOINTS_CONFIG);
        }
        for (String target : targets) {
            if (!endpoints.contains(target)) {
                throw new ConfigException(p + ROUTE_ENDPOINTS, targets, "names unknown endpoint " + target + "; "
                        + ENDPOINTS_CONFIG + " lists " + endpoints);
            }
        }
        return new RouteSettings(name, models, targets, config.getInt(p + ORDER));
    }

    private static void checkOverlaps(List<RouteSettings> routes) {
        for (int i = 0; i < routes.size(); i++) {
            for (int j = i + 1; j < routes.size(); j++) {
                RouteSettings a = routes.get(i);
                RouteSettings b = routes.get(j);
                Optional<String> overlap = overlap(a, b);
                if (overlap.isEmpty()) {
                    continue;
                }
                RouteSettings unordered = a.order() == null ? a : b;
                if (a.order() == null || b.order() == null) {
                    throw new ConfigException(ROUTE_PREFIX + unordered.name() + "." + ORDER, null, "routes " + a.name() + " and "
                            + b.name() + " overlap (" + overlap.get() + "): state an order for both; the lower is matched first");
                }
                if (a.order().equals(b.order())) {
                    throw new ConfigException(ROUTE_PREFIX + b.name() + "." + ORDER, b.order(), "routes " + a.name() + " and "
                            + b.name() + " overlap (" + overlap.get() + ") and have the same order");
                }
            }
        }
    }

    private static Optional<String> overlap(RouteSettings a, RouteSettings b) {
        for (String mine : a.models()) {
            for (String theirs : b.models()) {
                if (Route.overlap(mine, theirs)) {
                    return Optional.of(mine + " and " + theirs);
                }
            }
        }
        return Optional.empty();
    }
}
