package io.aijobs.application;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.config.ConfigException;

/**
 * The {@code main} of every application: {@code PROGRAM CONFIG.properties [key=value ...]}. Misuse and an invalid
 * configuration print one line naming the problem (the key, for configuration) and exit 2; otherwise the application
 * runs until the JVM is asked to stop, and is closed by a shutdown hook.
 */
public final class ApplicationMain {

    /** Starts an application from its properties. */
    @FunctionalInterface
    public interface Starter {
        AutoCloseable start(Map<String, Object> properties) throws Exception;
    }

    private ApplicationMain() {
    }

    public static void run(String program, String[] args, Starter starter) throws Exception {
        Map<String, Object> properties;
        try {
            properties = ProgramArguments.load(args);
        } catch (ProgramArguments.MisuseException e) {
            System.err.println("Usage: " + program + " CONFIG.properties [key=value ...] (" + e.getMessage() + ")");
            System.exit(2);
            return;
        }
        AutoCloseable app;
        try {
            app = starter.start(properties);
        } catch (ConfigException e) {
            System.err.println("Invalid configuration: " + e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                app.close();
            } catch (Exception e) {
                System.err.println(program + " did not close cleanly: " + e);
            } finally {
                stopped.countDown();
            }
        }, program + "-shutdown"));
        stopped.await();
    }
}
