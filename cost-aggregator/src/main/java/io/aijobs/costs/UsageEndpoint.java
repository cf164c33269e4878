package io.aijobs.costs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.aijobs.contracts.TenantId;
import io.aijobs.schema.state.UsageWindowState;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * {@code GET /tenants/{id}/usage?window=PT1H&model=M&limit=N}: a
 * tenant's usage windows, newest first, served from
 * the aggregator's store by interactive queries. With several instances, a request for a tenant another instance
 * owns is answered {@code 307} to that instance (from {@code streams.application.server}); {@code 503} while the
 * store is not queryable (rebalancing). JSON; money as exact nano-unit integers.
 */
final class UsageEndpoint {

    /** The path prefix this endpoint answers under, on the aggregator's {@code OperationsServer}. */
    static final String PATH = "/tenants/";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaStreams streams;
    private final HostInfo self;
    private final AggregatorSettings settings;

    UsageEndpoint(KafkaStreams streams, AggregatorSettings settings, HostInfo self) {
        this.streams = streams;
        this.settings = settings;
        this.self = self;
    }

    void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String[] parts = exchange.getRequestURI().getPath().split("/");
            if (!"GET".equals(exchange.getRequestMethod()) || parts.length != 4 || !"usage".equals(parts[3])) {
                send(exchange, 404, error("GET /tenants/{id}/usage?window=PT1H|PT1M|month&model=M&limit=N"));
                return;
            }
            String tenant = parts[2];
            if (!TenantId.isValid(tenant)) {
                send(exchange, 400, error("invalid tenant id '" + tenant + "'"));
                return;
            }
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            KeyQueryMetadata owner = streams.queryMetadataForKey(AggregatorTopology.WINDOWS_STORE, tenant, Serdes.String().serializer());
            if (owner != null && owner != KeyQueryMetadata.NOT_AVAILABLE && self != null && !self.equals(owner.activeHost())) {
                exchange.getResponseHeaders().set("Location", "http://" + owner.activeHost().host() + ":" + owner.activeHost().port()
                        + exchange.getRequestURI());
                send(exchange, 307, error("tenant " + tenant + " is served by " + owner.activeHost()));
                return;
            }
            ReadOnlyKeyValueStore<String, UsageWindowState> store;
            try {
                store = streams.store(StoreQueryParameters.fromNameAndType(AggregatorTopology.WINDOWS_STORE,
                        QueryableStoreTypes.keyValueStore()));
            } catch (RuntimeException e) {
                send(exchange, 503, error("the usage store is not queryable yet (" + streams.state() + "); retry shortly"));
                return;
            }
            String window = query.get("window");
            String model = query.get("model");
            int limit = Integer.parseInt(query.getOrDefault("limit", "100"));
            if (limit < 0) {
                send(exchange, 400, error("limit must not be negative"));
                return;
            }
            List<UsageWindowState> found = new ArrayList<>();
            try (KeyValueIterator<String, UsageWindowState> all = store.all()) {
                while (all.hasNext()) {
                    KeyValue<String, UsageWindowState> entry = all.next();
                    UsageWindowState state = entry.value;
                    if (tenant.equals(state.getTenantId())) {
                        found.add(state);
                    }
                }
                // hours, months and totals hold only closed base windows until they close themselves: add the open ones
                found = WindowStates.withOpenBasesRolledUp(settings, found);
                found.removeIf(state -> !(window == null || window.equalsIgnoreCase(state.getWindow()))
                        || !(model == null ? state.getModel() == null : model.equals(state.getModel())));
            } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
                send(exchange, 503, error("the usage store moved while being read (" + streams.state() + "); retry shortly"));
                return;
            }
            found.sort(Comparator.comparingLong(UsageWindowState::getWindowStart).reversed());
            ArrayNode body = JSON.createArrayNode();
            for (UsageWindowState state : found.subList(0, Math.min(limit, found.size()))) {
                body.add(render(state));
            }
            send(exchange, 200, body);
        } catch (NumberFormatException e) {
            send(exchange, 400, error("limit must be a number"));
        }
    }

    private static ObjectNode render(UsageWindowState state) {
        ObjectNode node = JSON.createObjectNode();
        node.put("tenantId", state.getTenantId());
        node.put("model", state.getModel());
        node.put("window", state.getWindow());
        node.put("windowStart", Instant.ofEpochMilli(state.getWindowStart()).toString());
        node.put("windowEnd", Instant.ofEpochMilli(state.getWindowEnd()).toString());
        node.put("status", state.getClosed() ? "FINAL" : "PARTIAL");
        node.put("calls", state.getCalls());
        node.put("jobsStarted", state.getJobsStarted());
        node.put("jobsSucceeded", state.getJobsSucceeded());
        node.set("callsFailedByCategory", JSON.valueToTree(state.getCallsFailedByCategory()));
        node.put("inputTokens", state.getInputTokens());
        node.put("outputTokens", state.getOutputTokens());
        node.put("costNanos", state.getCostNanos());
        node.put("retryCostNanos", state.getRetryCostNanos());
        node.put("cachedInputTokens", state.getCachedInputTokens());
        node.put("promptCacheSavedNanos", state.getPromptCacheSavedNanos());
        node.put("cacheHits", state.getCacheHits());
        node.put("responseCacheSavedNanos", state.getResponseCacheSavedNanos());
        node.put("batchSavedNanos", state.getBatchSavedNanos());
        node.put("currency", state.getCurrency());
        node.put("unpricedCalls", state.getUnpricedCalls());
        node.put("lateEvents", state.getLateEvents());
        var latency = WindowStates.summary(WindowStates.decode(state.getLatencySketch()),
                state.getLatencySketch());
        var duration = WindowStates.summary(WindowStates.decode(state.getDurationSketch()),
                state.getDurationSketch());
        node.set("modelLatencyMs", JSON.createObjectNode().put("count", latency.getCount()).put("p50", latency.getP50())
                .put("p95", latency.getP95()).put("p99", latency.getP99()).put("max", latency.getMax()));
        node.set("jobDurationMs", JSON.createObjectNode().put("count", duration.getCount()).put("p50", duration.getP50())
                .put("p95", duration.getP95()).put("p99", duration.getP99()).put("max", duration.getMax()));
        return node;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new HashMap<>();
        if (raw == null) {
            return query;
        }
        for (String pair : raw.split("&")) {
            String[] kv = pair.split("=", 2);
            if (kv.length == 2) {
                query.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
            }
        }
        return query;
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("error", message);
    }

    private static void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
