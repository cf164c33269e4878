package io.aijobs.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * Starts, finds and stops the local stack: a Kafka broker, a schema registry and (optionally) the model stub,
 * each a separate process whose pid and log live under {@link StackSettings#stateDir()}.
 *
 * <p>{@link #up} leaves the processes running when this JVM exits (that is what {@code ./aijobs stack up} wants);
 * {@link #close()} stops the ones this instance started. A later JVM finds a running stack through
 * {@value #STATE_FILE} and the pid files ({@link #find}), and {@link #down} stops it. Stale pid files of processes
 * that died are cleared on the next start.
 */
public final class DevStack implements AutoCloseable {

    public static final String STATE_FILE = "stack.properties";
    /** State-file keys of the super user's client security properties (secure stack only). */
    private static final String SECURITY_PREFIX = "kafka.admin.";
    /** State-file keys of the registry operator's and reader's client properties (secure stack only). */
    private static final String REGISTRY_ADMIN_PREFIX = "registry.admin.";
    private static final String REGISTRY_READER_PREFIX = "registry.reader.";
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    /** Set by {@link #close}: a {@link #restart} under way then stops what it started instead of leaving it running. */
    private volatile boolean closed;
    /** In the order they stop: the model stub, the registry, then the brokers. */
    private static final List<String> COMPONENTS = List.of("model-stub", "schema-registry", "kafka-3", "kafka-2", "kafka");

    private final StackEndpoints endpoints;
    private final List<ManagedProcess> started;
    /** How to start each component again (fault injection), by component name. */
    private final Map<String, Function<Duration, ManagedProcess>> starters;

    private DevStack(StackEndpoints endpoints, List<ManagedProcess> started, Map<String, Function<Duration, ManagedProcess>> starters) {
        this.endpoints = endpoints;
        this.started = started;
        this.starters = starters;
    }

    /**
     * Starts the stack, or fails with a clear message if one is already running in the same state folder or a
     * port is taken.
     *
     * @param withModelStub also start the model stub process (needs this JVM's classpath to hold it)
     * @param progress      receives one line per step, for the CLI
     */
    public static DevStack up(StackSettings settings, boolean withModelStub, Consumer<String> progress) {
        Path dir = settings.stateDir().toAbsolutePath();
        Optional<StackEndpoints> running = find(dir);
        if (running.isPresent()) {
            throw new IllegalStateException("A stack is already running from " + dir + " (Kafka at "
                    + running.get().bootstrapServers() + "); use it, or stop it with `./aijobs stack down`.");
        }
        clearStale(dir, progress);
        Artifacts artifacts = Artifacts.fromBuild();
        List<ManagedProcess> started = new ArrayList<>();
        Map<String, Function<Duration, ManagedProcess>> starters = new LinkedHashMap<>();
        try {
            checkBrokerCount(dir, settings.brokers());
            List<KafkaBroker.Node> cluster = KafkaBroker.cluster(settings.brokers(), settings.kafkaPort(), settings.controllerPort());
            KafkaBroker kafka = null;
            ManagedProcess first = null;
            for (KafkaBroker.Node node : cluster) {
                KafkaBroker broker = new KafkaBroker(dir.resolve(KafkaBroker.componentName(node.id())), node, cluster,
                        dir.resolve("kafka"), artifacts, settings.secure(), settings.tls(), settings.brokerJvmOptions());
                if (kafka == null) {
                    kafka = broker;
                    progress.accept("Starting Kafka " + artifacts.kafkaVersion() + " (KRaft, " + settings.brokers()
                            + (settings.brokers() == 1 ? " broker" : " brokers, replication factor 3, min.insync.replicas 2")
                            + (settings.secure() ? ", SASL/SCRAM-SHA-512 and ACLs, deny by default" : "") + ") on "
                            + broker.bootstrapServers() + " ...");
                }
                ManagedProcess process = broker.start(settings.startTimeout());
                started.add(process);
                KafkaBroker restarted = broker;
                starters.put(process.name(), timeout -> {
                    restarted.awaitPortsFree(timeout);
                    ManagedProcess again = restarted.start(timeout);
                    restarted.awaitReady(again, timeout);
                    return again;
                });
                first = first == null ? process : first;
            }
            kafka.awaitReady(first, settings.startTimeout());
            writeBrokerCount(dir, settings.brokers());

            SchemaRegistryServer registry = new SchemaRegistryServer(dir.resolve("registry"), settings.registryPort(),
                    settings.persistent(), artifacts, settings.secure(), settings.tls());
            progress.accept("Starting Apicurio Registry " + artifacts.apicurioVersion() + " on " + registry.url() + (settings.secure()
                    ? " (basic auth" + (settings.tls() != null ? ", HTTPS" : "") + "; the operator registers, applications and tenants read)" : "") + " ...");
            started.add(registry.start(settings.startTimeout()));
            starters.put(started.get(started.size() - 1).name(), registry::start);

            String modelUrl = null;
            if (withModelStub) {
                ModelStubProcess stub = new ModelStubProcess(dir.resolve("model-stub"), settings.modelPort(), settings.modelLatency());
                progress.accept("Starting the model stub on " + stub.baseUrl() + " ...");
                started.add(stub.start(settings.startTimeout()));
                modelUrl = stub.baseUrl();
            }
            StackEndpoints endpoints = new StackEndpoints(kafka.bootstrapServers(), registry.url(), modelUrl, kafka.adminSecurity(),
                    registry.clientSecurity(SchemaRegistryServer.OPERATOR), registry.clientSecurity(SchemaRegistryServer.READER));
            writeState(dir, endpoints);
            return new DevStack(endpoints, started, starters);
        } catch (RuntimeException e) {
            stopAll(started);
            throw e;
        }
    }

    /** A stack's broker data is for the number of brokers it was created with: refuse another. */
    private static void checkBrokerCount(Path dir, int brokers) {
        Path file = dir.resolve("kafka").resolve("brokers");
        boolean hasData = Files.exists(dir.resolve("kafka").resolve("data").resolve("meta.properties"));
        try {
            int existing = Files.exists(file) ? Integer.parseInt(Files.readString(file).trim()) : (hasData ? 1 : brokers);
            if (existing != brokers) {
                throw new IllegalStateException("The stack in " + dir + " was created with " + existing + " broker(s), not "
                        + brokers + ": start it with --brokers " + existing + ", or use another --state-dir (or stack down --purge)");
            }
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeBrokerCount(Path dir, int brokers) {
        try {
            Files.writeString(dir.resolve("kafka").resolve("brokers"), Integer.toString(brokers));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The endpoints of a stack running from {@code stateDir}, if its broker and registry are alive. */
    public static Optional<StackEndpoints> find(Path stateDir) {
        Path dir = stateDir.toAbsolutePath();
        Path stateFile = dir.resolve(STATE_FILE);
        if (!Files.isRegularFile(stateFile)) {
            return Optional.empty();
        }
        boolean alive = ManagedProcess.attach("kafka", logFile(dir, "kafka"), pidFile(dir, "kafka")).isPresent()
                && ManagedProcess.attach("schema-registry", logFile(dir, "schema-registry"), pidFile(dir, "schema-registry")).isPresent();
        if (!alive) {
            return Optional.empty();
        }
        Properties props = new Properties();
        try (var in = Files.newBufferedReader(stateFile)) {
            props.load(in);
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.of(new StackEndpoints(props.getProperty("bootstrap.servers"),
                props.getProperty("schema.registry.url"), props.getProperty("model.base.url"), withPrefix(props, SECURITY_PREFIX),
                withPrefix(props, REGISTRY_ADMIN_PREFIX), withPrefix(props, REGISTRY_READER_PREFIX)));
    }

    private static Map<String, String> withPrefix(Properties props, String prefix) {
        Map<String, String> found = new java.util.HashMap<>();
        for (String name : props.stringPropertyNames()) {
            if (name.startsWith(prefix)) {
                found.put(name.substring(prefix.length()), props.getProperty(name));
            }
        }
        return found;
    }

    /** Status lines, one per component: running with pid, or not running. */
    public static List<String> status(Path stateDir) {
        Path dir = stateDir.toAbsolutePath();
        List<String> lines = new ArrayList<>();
        for (String component : COMPONENTS) {
            if (component.startsWith("kafka-") && !Files.isDirectory(pidFile(dir, component).getParent())) {
                continue; // a node of a three-broker stack, and this one has one
            }
            Optional<ManagedProcess> process = ManagedProcess.attach(component, logFile(dir, component), pidFile(dir, component));
            lines.add(String.format("%-16s %s", component, process
                    .map(p -> "running (pid " + p.pid() + ", log " + p.logFile() + ")")
                    .orElse("not running")));
        }
        return lines;
    }

    /** Stops every component recorded under {@code stateDir}; returns how many were running. */
    public static int down(Path stateDir, Consumer<String> progress) {
        Path dir = stateDir.toAbsolutePath();
        int stopped = 0;
        for (String component : COMPONENTS) {
            Optional<ManagedProcess> process = ManagedProcess.attach(component, logFile(dir, component), pidFile(dir, component));
            if (process.isPresent()) {
                progress.accept("Stopping " + component + " (pid " + process.get().pid() + ") ...");
                process.get().stop(STOP_GRACE);
                stopped++;
            }
        }
        clearStale(dir, line -> { });
        return stopped;
    }

    public StackEndpoints endpoints() {
        return endpoints;
    }

    /**
     * The components this instance started, in start order ({@code kafka}, {@code kafka-2}, ..., {@code schema-registry},
     * {@code model-stub}), for fault injection.
     */
    public List<String> components() {
        return started.stream().map(ManagedProcess::name).toList();
    }

    /**
     * Fault injection (the reliability suite): kills a component as {@code kill -9} does, with no chance to close
     * anything; {@link #restart} starts it again on the same data.
     */
    public void kill(String component) {
        ManagedProcess process = process(component);
        ProcessHandle.of(process.pid()).ifPresent(handle -> {
            handle.destroyForcibly();
            handle.onExit().join();
        });
    }

    /** Fault injection: stops a component gracefully (SIGTERM, then SIGKILL after the grace period). */
    public void stop(String component) {
        process(component).stop(STOP_GRACE);
    }

    /**
     * Starts a component that {@link #kill} or {@link #stop} ended again, on the same data and ports, and waits until
     * it answers (a broker: until the cluster answers with every node).
     */
    public void restart(String component, Duration timeout) {
        ManagedProcess process = process(component);
        if (process.isAlive()) {
            throw new IllegalStateException(component + " is running");
        }
        Function<Duration, ManagedProcess> starter = starters.get(component);
        if (starter == null) {
            throw new IllegalArgumentException(component + " cannot be restarted by this stack");
        }
        if (closed) {
            throw new IllegalStateException("The stack is closed: " + component + " is not restarted");
        }
        ManagedProcess again = starter.apply(timeout);
        synchronized (this) {
            if (!closed) {
                started.set(started.indexOf(process), again);
                return;
            }
        }
        // closed while it started: close() did not know this process, so it is stopped here rather than left running
        again.stop(STOP_GRACE);
        throw new IllegalStateException("The stack was closed while " + component + " restarted");
    }

    private ManagedProcess process(String component) {
        return started.stream().filter(p -> p.name().equals(component)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no component " + component + " in this stack: " + components()));
    }

    /** Stops the processes this instance started, model stub first and broker last. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        stopAll(started);
    }

    private static void stopAll(List<ManagedProcess> processes) {
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).stop(STOP_GRACE);
        }
    }

    private static void clearStale(Path dir, Consumer<String> progress) {
        try {
            for (String component : COMPONENTS) {
                Path pidFile = pidFile(dir, component);
                if (Files.exists(pidFile) && ManagedProcess.attach(component, logFile(dir, component), pidFile).isEmpty()) {
                    progress.accept("Clearing stale pid file of " + component + " (process " + ManagedProcess.readPid(pidFile).orElse(-1L) + " is gone)");
                    Files.delete(pidFile);
                }
            }
            Files.deleteIfExists(dir.resolve(STATE_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeState(Path dir, StackEndpoints endpoints) {
        Properties props = new Properties();
        props.setProperty("bootstrap.servers", endpoints.bootstrapServers());
        props.setProperty("schema.registry.url", endpoints.schemaRegistryUrl());
        if (endpoints.modelBaseUrl() != null) {
            props.setProperty("model.base.url", endpoints.modelBaseUrl());
        }
        endpoints.adminSecurity().forEach((name, value) -> props.setProperty(SECURITY_PREFIX + name, value));
        endpoints.registryAdmin().forEach((name, value) -> props.setProperty(REGISTRY_ADMIN_PREFIX + name, value));
        endpoints.registryReader().forEach((name, value) -> props.setProperty(REGISTRY_READER_PREFIX + name, value));
        Path file = dir.resolve(STATE_FILE);
        try {
            java.io.StringWriter out = new java.io.StringWriter();
            props.store(out, "endpoints of the running aijobs dev stack" + (endpoints.secure() ? " (with the super user's credentials)" : ""));
            SecretFiles.write(file, out.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path pidFile(Path dir, String component) {
        return dir.resolve(component.equals("schema-registry") ? "registry" : component).resolve(component + ".pid");
    }

    static Path logFile(Path dir, String component) {
        return dir.resolve(component.equals("schema-registry") ? "registry" : component).resolve(component + ".log");
    }
}
