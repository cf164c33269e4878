package io.aijobs.application;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * An application's operations endpoint, on a small JDK HTTP server:
 *
 * <ul>
 *   <li>{@code GET /metrics}: the Prometheus text format;
 *   <li>{@code GET /health/live} and {@code GET /health/ready}: 200 when the {@link Health} check passes, else 503,
 *       with a JSON body naming each check ({@code {"status":"UP","checks":{"streams":{"ok":true,"detail":"RUNNING"}}}});
 *   <li>any paths the application adds (the cost aggregator's usage queries).
 * </ul>
 */
public final class OperationsServer implements AutoCloseable {

    private final HttpServer server;

    /**
     * Binds {@code host:port} (port 0: any free port) and starts serving.
     *
     * @param extra the application's own handlers, by path prefix
     */
    public OperationsServer(String host, int port, PrometheusMeterRegistry meters, Health health, Map<String, HttpHandler> extra)
            throws IOException {
        Objects.requireNonNull(meters, "meters");
        Objects.requireNonNull(health, "health");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), port), 32);
        server.createContext("/metrics", exchange -> respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", meters.scrape()));
        server.createContext("/health/live", exchange -> report(exchange, health.live()));
        server.createContext("/health/ready", exchange -> report(exchange, health.ready()));
        extra.forEach(server::createContext);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void report(HttpExchange exchange, Health.Report report) throws IOException {
        StringBuilder json = new StringBuilder("{\"status\":\"").append(report.ok() ? "UP" : "DOWN").append("\",\"checks\":{");
        String separator = "";
        for (Map.Entry<String, Health.Check> check : report.checks().entrySet()) {
            json.append(separator).append('"').append(check.getKey()).append("\":{\"ok\":").append(check.getValue().ok())
                    .append(",\"detail\":\"").append(check.getValue().detail().replace("\\", "\\\\").replace("\"", "\\\""))
                    .append("\"}");
            separator = ",";
        }
        json.append("}}");
        respond(exchange, report.ok() ? 200 : 503, "application/json", json.toString());
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        try (exchange) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
