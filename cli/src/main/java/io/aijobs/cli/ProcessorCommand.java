package io.aijobs.cli;

import io.aijobs.processor.ProcessorApp;
import io.aijobs.processor.ProcessorConfig;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code ./aijobs processor --config FILE [--set KEY=VALUE]...}: the job processor, in the foreground. */
@Command(name = "processor", mixinStandardHelpOptions = true,
        description = {"Runs the job processor against the cluster, registry and model service its config file names, in "
                + "the foreground, until SIGTERM or Ctrl-C.",
                "Metrics and health are on: /metrics, /health/live, /health/ready on metrics.port (" + ProcessorCommand.DEFAULT_PORT
                        + " unless set), bound to metrics.host (127.0.0.1 unless set).",
                "Exit codes: 0 stopped; 1 the cluster or registry did not answer at start; 2 misuse or invalid configuration."})
final class ProcessorCommand extends ApplicationRun {

    static final String DEFAULT_PORT = "9400";

    @Override
    Map<String, String> defaults() {
        return Map.of(ProcessorConfig.METRICS_PORT_CONFIG, DEFAULT_PORT);
    }

    @Override
    Running start(Map<String, Object> properties) throws Exception {
        ProcessorApp app = ProcessorApp.start(properties);
        return new Running(app, "health and metrics at http://" + properties.getOrDefault(ProcessorConfig.METRICS_HOST_CONFIG, "127.0.0.1")
                + ":" + app.metricsPort() + "/health/ready");
    }

    @Override
    String name() {
        return "Processor";
    }
}
