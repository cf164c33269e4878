package io.aijobs.cli;

import io.aijobs.application.ConfigFile;
import io.aijobs.application.Preflight;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What {@code ./aijobs processor} and {@code ./aijobs aggregator} share: a config file, {@code --set} overrides, and
 * running the application in the foreground until the process is asked to stop (SIGTERM, Ctrl-C), then closing it.
 */
abstract class ApplicationRun implements java.util.concurrent.Callable<Integer> {

    @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "The application's properties (see the README's tables, and config/ for examples)")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Overrides a key of the file (repeatable). Secrets are refused here: reference them in the file "
                    + "as ${env:NAME}, ${file:PATH:KEY} or ${dir:PATH:NAME}")
    List<String> overrides = List.of();

    @Spec
    CommandSpec spec;

    /** The running application, closed on shutdown, and where it serves (printed once it runs). */
    record Running(AutoCloseable application, String endpoints) {
    }

    /** Defaults of this command over the application's own, for keys the file does not set (metrics on). */
    abstract Map<String, String> defaults();

    /** Builds and starts the application. */
    abstract Running start(Map<String, Object> properties) throws Exception;

    /** The application's name in what is printed. */
    abstract String name();

    @Override
    public Integer call() throws Exception {
        if (!Files.isReadable(config)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Cannot read the config file " + config);
        }
        Map<String, String> sets = new LinkedHashMap<>();
        for (String pair : overrides) {
            String[] parts = pair.split("=", 2);
            if (parts.length != 2 || parts[0].isBlank()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--set takes KEY=VALUE, got '" + pair + "'");
            }
            sets.put(parts[0].trim(), parts[1]);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> properties;
        try {
            properties = new LinkedHashMap<>(ConfigFile.load(config, sets));
        } catch (ConfigException e) {
            err.println("Invalid configuration: " + e.getMessage());
            return 2;
        }
        defaults().forEach(properties::putIfAbsent);
        Running running;
        try {
            running = start(properties);
        } catch (ConfigException e) {
            err.println("Invalid configuration: " + e.getMessage());
            return 2;
        } catch (Preflight.StartupException e) {
            err.println(name() + " did not start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            try {
                running.application().close();
            } catch (Exception e) {
                err.println(name() + " did not close cleanly: " + e);
            } finally {
                stopped.countDown();
            }
        }, name() + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println(name() + " running; " + running.endpoints() + ". Stop it with SIGTERM or Ctrl-C.");
        out.flush();
        stopped.await();
        return 0;
    }
}
