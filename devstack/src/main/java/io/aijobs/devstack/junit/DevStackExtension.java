package io.aijobs.devstack.junit;

import io.aijobs.devstack.DevStack;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.StackSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a real Kafka broker and a real schema registry once per test run (per JVM) and hands their
 * {@link StackEndpoints} to any test constructor, lifecycle method or test method that declares a parameter of
 * that type.
 *
 * <pre>
 * &#64;ExtendWith(DevStackExtension.class)
 * class JobPublisherIT {
 *     &#64;Test
 *     void shouldPublish(StackEndpoints stack) { ... }
 * }
 * </pre>
 *
 * <p>Both servers bind 127.0.0.1 on free ports and keep nothing: their state lives in a temporary folder under
 * {@code target/}. They are stopped when the run ends (and by a shutdown hook if the JVM is stopped). A start-up
 * failure fails the tests with the servers' log tail; it never skips them. Tests share the stack, so each must use
 * its own topics, tenants, subjects and application ids.
 */
public final class DevStackExtension implements ParameterResolver {

    private static final Logger log = LoggerFactory.getLogger(DevStackExtension.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(DevStackExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == StackEndpoints.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return extensionContext.getRoot().getStore(NAMESPACE)
                .computeIfAbsent(SharedStack.class, key -> SharedStack.start(), SharedStack.class)
                .endpoints();
    }

    /** The stack shared by all tests of the run; JUnit closes it when the root context closes. */
    static final class SharedStack implements AutoCloseable {
        private final DevStack stack;
        private final Thread shutdownHook;

        private SharedStack(DevStack stack) {
            this.stack = stack;
            this.shutdownHook = new Thread(stack::close, "devstack-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }

        static SharedStack start() {
            Path dir = stateDir();
            log.info("Starting the test stack under {}", dir);
            long begin = System.nanoTime();
            DevStack stack = DevStack.up(StackSettings.ephemeral(dir), false, log::info);
            log.info("Test stack ready in {} ms: {}", (System.nanoTime() - begin) / 1_000_000, stack.endpoints());
            return new SharedStack(stack);
        }

        private static Path stateDir() {
            try {
                Path target = Path.of("target");
                Files.createDirectories(target);
                return Files.createTempDirectory(target.toAbsolutePath(), "devstack-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        StackEndpoints endpoints() {
            return stack.endpoints();
        }

        @Override
        public void close() {
            stack.close();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
    }
}
