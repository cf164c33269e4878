package io.aijobs.model.routing;

import io.aijobs.model.ModelClient;
import io.aijobs.model.ModelOutcome;
import io.aijobs.schema.JobRequest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Sends each job's call to an endpoint of the first {@link Route} (in the given order) that matches its model.
 *
 * <p>{@link #call} takes the position in the route to start from (0 for a job's first attempt; the caller moves it on
 * after a failure to fall back). From there it takes the first endpoint that no {@code Retry-After} holds; when all
 * from there on are held, the one at the position, where the call waits for the hold to end. The answer names the
 * endpoint and position it used.
 *
 * <p>Thread-safe. Owns its endpoints and their timer thread: {@link #close()} closes them.
 */
public final class ModelRouter implements AutoCloseable {

    /** How a routed call ended, and where it went. */
    public record Routed(String endpoint, int position, ModelOutcome outcome) {
    }

    private final List<Route> routes;
    private final Map<String, Endpoint> endpoints;
    private final ScheduledExecutorService timers;

    /**
     * @param routes    tried in this order; the first that matches a model serves it
     * @param endpoints every endpoint, including any no route names
     * @param timers    the endpoints' timer, closed with the router
     */
    public ModelRouter(List<Route> routes, List<Endpoint> endpoints, ScheduledExecutorService timers) {
        this.routes = List.copyOf(routes);
        this.endpoints = new LinkedHashMap<>();
        endpoints.forEach(endpoint -> this.endpoints.put(endpoint.name(), endpoint));
        this.timers = Objects.requireNonNull(timers, "timers");
        for (Route route : this.routes) {
            for (Endpoint endpoint : route.endpoints()) {
                if (this.endpoints.get(endpoint.name()) != endpoint) {
                    throw new IllegalArgumentException("route " + route.name() + " names endpoint " + endpoint.name()
                            + ", which is not among the router's endpoints");
                }
            }
        }
    }

    /** One endpoint serving every model: a single {@code model.base.url}, and tests. */
    public static ModelRouter single(String name, ModelClient client, Endpoint.Limits limits) {
        ScheduledExecutorService timers = newTimers();
        Endpoint endpoint = new Endpoint(name, client, limits, timers, System::nanoTime);
        return new ModelRouter(List.of(new Route("all", List.of("*"), List.of(endpoint))), List.of(endpoint), timers);
    }

    /** A timer thread for endpoints (daemon). */
    public static ScheduledExecutorService newTimers() {
        return Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "model-router-timer");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The route that serves {@code model}, if any does. */
    public Optional<Route> route(String model) {
        for (Route route : routes) {
            if (route.matches(model)) {
                return Optional.of(route);
            }
        }
        return Optional.empty();
    }

    /**
     * Calls the model for {@code job} through its route, from {@code position} on (taken modulo the route's length).
     * A model no route serves ends at once as an invalid request (404, {@code no_route}) without a call.
     */
    public CompletableFuture<Routed> call(JobRequest job, String idempotencyKey, int position) {
        return call(job, idempotencyKey, position, java.util.Map.of());
    }

    /** As {@link #call(JobRequest, String, int)}, the call sending {@code traceHeaders} (W3C trace context). */
    public CompletableFuture<Routed> call(JobRequest job, String idempotencyKey, int position, java.util.Map<String, String> traceHeaders) {
        Optional<Route> route = route(job.getModel());
        if (route.isEmpty()) {
            return CompletableFuture.completedFuture(new Routed("", 0, new ModelOutcome.InvalidRequest(404, Optional.of("no_route"),
                    "no route serves model " + job.getModel(), Duration.ZERO)));
        }
        List<Endpoint> candidates = route.get().endpoints();
        int start = Math.floorMod(position, candidates.size());
        int chosen = start;
        for (int i = start; i < candidates.size(); i++) {
            if (!candidates.get(i).held()) {
                chosen = i;
                break;
            }
        }
        Endpoint endpoint = candidates.get(chosen);
        int used = chosen;
        return endpoint.call(job, idempotencyKey, traceHeaders).thenApply(outcome -> new Routed(endpoint.name(), used, outcome));
    }

    /** The number of endpoints in the route that serves {@code model} (0 when none does). */
    public int routeLength(String model) {
        return route(model).map(route -> route.endpoints().size()).orElse(0);
    }

    public List<Endpoint> endpoints() {
        return List.copyOf(endpoints.values());
    }

    public List<Route> routes() {
        return routes;
    }

    @Override
    public void close() {
        endpoints.values().forEach(Endpoint::close);
        timers.shutdownNow();
    }
}
