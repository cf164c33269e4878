package io.aijobs.devstack.junit;

import io.aijobs.devstack.DevStack;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.StackSettings;
import io.aijobs.devstack.ContainerStack;
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
 * <p>Where they run is the system property {@value StackBackend#PROPERTY}: {@code processes} (the default) starts
 * them as local processes; {@code containers} as containers through Testcontainers (see {@link ContainerStack}). When
 * containers are asked for and no Docker engine answers, one line says so and the processes run.
 *
 * <p>Both servers bind 127.0.0.1 on free ports and keep nothing: their state lives in a temporary folder under
 * {@code target/} (or in the containers). They are stopped when the run ends (and by a shutdown hook if the JVM is
 * stopped). A start-up failure fails the tests (with the servers' log tail, for processes); it never skips them. Tests share the stack,
 * so each must use its own topics, tenants, subjects and application ids.
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
        private final AutoCloseable stack;
        private final StackEndpoints endpoints;
        private final Thread shutdownHook;

        private SharedStack(AutoCloseable stack, StackEndpoints endpoints) {
            this.stack = stack;
            this.endpoints = endpoints;
            this.shutdownHook = new Thread(this::closeStack, "devstack-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }

        static SharedStack start() {
            StackBackend backend = StackBackend.parse(System.getProperty(StackBackend.PROPERTY))
                    .effective(ContainerStack::unavailableReason, log::warn);
            long begin = System.nanoTime();
            SharedStack shared;
            if (backend == StackBackend.CONTAINERS) {
                ContainerStack stack = ContainerStack.start(log::info);
                shared = new SharedStack(stack, stack.endpoints());
            } else {
                Path dir = stateDir();
                log.info("Starting the test stack under {}", dir);
                DevStack stack = DevStack.up(StackSettings.ephemeral(dir), false, log::info);
                shared = new SharedStack(stack, stack.endpoints());
            }
            log.info("Test stack ({}) ready in {} ms: {}", backend, (System.nanoTime() - begin) / 1_000_000, shared.endpoints);
            return shared;
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
            return endpoints;
        }

        private void closeStack() {
            try {
                stack.close();
            } catch (Exception e) {
                log.warn("Stopping the test stack failed: {}", e.toString());
            }
        }

        @Override
        public void close() {
            closeStack();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
    }
}
