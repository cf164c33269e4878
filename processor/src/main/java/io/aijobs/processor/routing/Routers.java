package io.aijobs.processor.routing;

import io.aijobs.model.OpenAiModelClient;
import io.aijobs.model.routing.Endpoint;
import io.aijobs.model.routing.ModelRouter;
import io.aijobs.model.routing.Route;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;

/** Builds the {@link ModelRouter} of a routing {@link RoutingConfig.Table}: one HTTP client per endpoint. */
public final class Routers {

    private Routers() {
    }

    /**
     * @param connectTimeout bound on opening a connection, for every endpoint
     * @param ioThreads      I/O reactor threads of each endpoint's client
     */
    public static ModelRouter build(RoutingConfig.Table table, Duration connectTimeout, int ioThreads) {
        ScheduledExecutorService timers = ModelRouter.newTimers();
        Map<String, Endpoint> endpoints = new LinkedHashMap<>();
        for (RoutingConfig.EndpointSettings settings : table.endpoints()) {
            OpenAiModelClient client = new OpenAiModelClient(settings.target(), settings.timeout(), connectTimeout,
                    settings.limits().maxConcurrency(), ioThreads, Clock.systemUTC());
            endpoints.put(settings.name(), new Endpoint(settings.name(), client, settings.limits(), timers, System::nanoTime));
        }
        List<Route> routes = new ArrayList<>();
        for (RoutingConfig.RouteSettings settings : table.routes()) {
            routes.add(new Route(settings.name(), settings.models(), settings.endpoints().stream().map(endpoints::get).toList()));
        }
        return new ModelRouter(routes, new ArrayList<>(endpoints.values()), timers);
    }
}
