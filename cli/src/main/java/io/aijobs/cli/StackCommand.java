package io.aijobs.cli;

import io.aijobs.devstack.DevStack;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.StackSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code aijobs stack up|down|status}: the local Kafka broker, schema registry and model stub. */
@Command(name = "stack", mixinStandardHelpOptions = true,
        description = "Start, stop or inspect the local stack (Kafka KRaft broker, Apicurio registry, model stub) on 127.0.0.1.",
        subcommands = {StackCommand.Up.class, StackCommand.Down.class, StackCommand.Status.class})
final class StackCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: up, down or status");
    }

    /** Ports and folders of the stack, shared by {@code stack up} and {@code dev}. */
    static final class Settings {
        @Option(names = "--state-dir", paramLabel = "DIR", description = "State folder (default: .aijobs/stack)")
        Path stateDir;

        @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
        CommandSpec spec;

        @Option(names = "--kafka-port", defaultValue = "" + StackSettings.DEFAULT_KAFKA_PORT, description = "Kafka listener port (default: ${DEFAULT-VALUE})")
        int kafkaPort;

        @Option(names = "--kafka-controller-port", defaultValue = "" + StackSettings.DEFAULT_CONTROLLER_PORT,
                description = "KRaft controller port (default: ${DEFAULT-VALUE})")
        int controllerPort;

        @Option(names = "--registry-port", defaultValue = "" + StackSettings.DEFAULT_REGISTRY_PORT, description = "Schema registry port (default: ${DEFAULT-VALUE})")
        int registryPort;

        @Option(names = "--model-port", defaultValue = "" + StackSettings.DEFAULT_MODEL_PORT, description = "Model stub port (default: ${DEFAULT-VALUE})")
        int modelPort;

        @Option(names = "--model-latency", defaultValue = "lognormal:300,0.5", paramLabel = "SPEC",
                description = "Model stub latency: fixed:MS, uniform:MIN-MAX or lognormal:MEDIAN_MS,SIGMA (default: ${DEFAULT-VALUE})")
        String modelLatency;

        @Option(names = "--start-timeout", defaultValue = "PT90S", paramLabel = "DURATION",
                description = "Bound on each component's start-up, ISO-8601 (default: ${DEFAULT-VALUE})")
        Duration startTimeout;

        @Option(names = "--brokers", defaultValue = "1", paramLabel = "N",
                description = "1 or 3 Kafka brokers; with 3, node i listens on --kafka-port + 2(i-1) and every topic has "
                        + "replication factor 3 and min.insync.replicas 2 (default: ${DEFAULT-VALUE}; a stack keeps its count)")
        int brokers;

        @Option(names = "--secure", description = "SASL/SCRAM-SHA-512 on the broker and ACLs that deny whatever they do not allow; "
                + "applications and tenants connect with their own principals (a stack keeps the mode it was created with)")
        boolean secure;

        Path stateDir() {
            return stateDir != null ? stateDir : StackOptions.defaultStateDir();
        }

        StackSettings toSettings() {
            if (brokers != 1 && brokers != 3) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--brokers is 1 or 3, not " + brokers);
            }
            return new StackSettings(stateDir(), kafkaPort, controllerPort, registryPort, modelPort, modelLatency, true, startTimeout,
                    secure, brokers);
        }
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = "Start the stack in the background and print its endpoints. Data is kept across restarts.")
    static final class Up implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Settings settings;

        @Option(names = "--no-model-stub", description = "Do not start the model stub (use a real OpenAI-compatible server)")
        boolean noModelStub;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            DevStack stack = DevStack.up(settings.toSettings(), !noModelStub, out::println);
            printEndpoints(out, stack.endpoints());
            out.println("Logs and data under " + settings.stateDir().toAbsolutePath() + "; stop with ./aijobs stack down");
            return 0;
        }
    }

    static void printEndpoints(PrintWriter out, StackEndpoints endpoints) {
        out.println("bootstrap.servers   = " + endpoints.bootstrapServers());
        out.println("schema.registry.url = " + endpoints.schemaRegistryUrl());
        if (endpoints.modelBaseUrl() != null) {
            out.println("model base URL      = " + endpoints.modelBaseUrl());
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Stop the stack.")
    static final class Down implements Callable<Integer> {
        @Option(names = "--state-dir", paramLabel = "DIR", description = "State folder (default: .aijobs/stack)")
        Path stateDir;

        @Option(names = "--purge", description = "Also delete the stack's data: all topics, records and registered schemas")
        boolean purge;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            Path dir = stateDir != null ? stateDir : StackOptions.defaultStateDir();
            int stopped = DevStack.down(dir, out::println);
            out.println(stopped == 0 ? "Nothing was running." : "Stopped " + stopped + " component(s).");
            if (purge && Files.exists(dir)) {
                try (Stream<Path> paths = Files.walk(dir)) {
                    List<Path> all = paths.sorted(Comparator.reverseOrder()).toList();
                    for (Path path : all) {
                        Files.delete(path);
                    }
                }
                out.println("Deleted " + dir.toAbsolutePath() + " (topics, records, schemas, logs).");
            }
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show which components run. Exit code 0 when broker and registry run, 3 otherwise.")
    static final class Status implements Callable<Integer> {
        @Option(names = "--state-dir", paramLabel = "DIR", description = "State folder (default: .aijobs/stack)")
        Path stateDir;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Path dir = stateDir != null ? stateDir : StackOptions.defaultStateDir();
            DevStack.status(dir).forEach(out::println);
            var endpoints = DevStack.find(dir);
            endpoints.ifPresent(e -> printEndpoints(out, e));
            return endpoints.isPresent() ? 0 : 3;
        }
    }
}
