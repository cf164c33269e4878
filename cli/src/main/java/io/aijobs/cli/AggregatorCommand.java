package io.aijobs.cli;

import io.aijobs.costs.CostAggregatorApp;
import io.aijobs.costs.CostAggregatorConfig;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code ./aijobs aggregator --config FILE [--set KEY=VALUE]...}: the cost aggregator, in the foreground. */
@Command(name = "aggregator", mixinStandardHelpOptions = true,
        description = {"Runs the cost aggregator against the cluster and registry its config file names, in the "
                + "foreground, until SIGTERM or Ctrl-C.",
                "Usage queries, metrics and health are on: /tenants/<t>/usage, /metrics, /health/live, /health/ready on "
                        + "http.port (" + AggregatorCommand.DEFAULT_PORT + " unless set), bound to http.host (127.0.0.1 unless set).",
                "Exit codes: 0 stopped; 1 the cluster or registry did not answer at start; 2 misuse or invalid configuration."})
final class AggregatorCommand extends ApplicationRun {

    static final String DEFAULT_PORT = "9401";

    @Override
    Map<String, String> defaults() {
        return Map.of(CostAggregatorConfig.HTTP_PORT_CONFIG, DEFAULT_PORT);
    }

    @Override
    Running start(Map<String, Object> properties) throws Exception {
        CostAggregatorApp app = CostAggregatorApp.start(properties);
        return new Running(app, "usage, health and metrics at http://" + properties.getOrDefault(CostAggregatorConfig.HTTP_HOST_CONFIG,
                "127.0.0.1") + ":" + app.httpPort() + "/health/ready");
    }

    @Override
    String name() {
        return "Cost aggregator";
    }
}
