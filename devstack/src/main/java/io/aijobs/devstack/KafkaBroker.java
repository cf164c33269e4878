package io.aijobs.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * One node of a local Apache Kafka KRaft cluster (combined broker and controller) as a separate JVM, listening on
 * 127.0.0.1 only. A cluster is one node, or three.
 *
 * <p>With one node: replication factor 1 for the offsets, transaction-state and share-coordinator topics and
 * {@code transaction.state.log.min.isr=1}, so that exactly-once Streams applications work. With three: replication
 * factor 3 and {@code min.insync.replicas=2} for those topics and as the default of every topic created without a
 * replication factor (the platform's, the tenants' and the applications' internal topics), so that one node may be
 * down without losing or blocking anything. Topic auto-creation is off: topics are part of the contract and are
 * created deliberately.
 *
 * <p>The data directory is formatted on first start and reused afterwards.
 *
 * <p><b>TLS</b> (a {@link Tls} given): the client and inter-broker listener is SSL (SASL_SSL in secure mode), with the
 * key store given (a certificate for 127.0.0.1) and a trust store of its CA; clients need that trust store
 * ({@link #adminSecurity()}).
 *
 * <p><b>Secure mode</b> ({@code secure=true}): the client listener is SASL_PLAINTEXT (SASL_SSL with TLS) with SCRAM-SHA-512, the
 * {@code StandardAuthorizer} denies whatever no ACL allows ({@code allow.everyone.if.no.acl.found=false}), and the
 * super user {@value #ADMIN_USER} (credentials created when the storage is formatted, password kept in
 * {@code admin.password} beside the data, mode 600) provisions everything else. The KRaft controller listener
 * authenticates too, with SASL/PLAIN (SCRAM credentials are kept in the metadata the controller serves, so they cannot
 * guard it) for the same super user: with a PLAINTEXT controller listener, {@code User:ANONYMOUS} would have to be a
 * super user for the broker to become ready, and an admin client with {@code bootstrap.controllers} could then do
 * anything without credentials (measured).
 */
public final class KafkaBroker {

    private static final String NAME = "kafka";
    public static final String ADMIN_USER = "admin";
    public static final String SCRAM_MECHANISM = "SCRAM-SHA-512";

    /** The broker's TLS: its key store (PKCS12, a certificate for 127.0.0.1) and a trust store of the CA that signed it. */
    public record Tls(Path keyStore, Path trustStore, String password) {

        @Override
        public String toString() {
            return "Tls[keyStore=" + keyStore + ", trustStore=" + trustStore + "]";
        }

        /** Client properties that trust the broker: security.protocol=SSL and the trust store. */
        public Map<String, String> clientProperties() {
            return Map.of("security.protocol", "SSL", "ssl.truststore.location", trustStore.toAbsolutePath().toString(),
                    "ssl.truststore.type", "PKCS12", "ssl.truststore.password", password);
        }
    }

    /** One node of the cluster: its id and its client and controller ports on 127.0.0.1. */
    public record Node(int id, int port, int controllerPort) {
    }

    private final Path home;
    private final Node node;
    private final List<Node> cluster;
    private final Path secrets;
    private final Artifacts artifacts;
    private final boolean secure;
    private final Tls tls;
    private final List<String> jvmOptions;

    public KafkaBroker(Path home, int port, int controllerPort, Artifacts artifacts) {
        this(home, port, controllerPort, artifacts, false);
    }

    public KafkaBroker(Path home, int port, int controllerPort, Artifacts artifacts, boolean secure) {
        this(home, new Node(1, port, controllerPort), List.of(new Node(1, port, controllerPort)), home, artifacts, secure);
    }

    /**
     * @param node    this node
     * @param cluster every node, this one included: the controller quorum
     * @param secrets the folder of the cluster's shared secrets (the super user's password, the cluster id)
     */
    public KafkaBroker(Path home, Node node, List<Node> cluster, Path secrets, Artifacts artifacts, boolean secure) {
        this(home, node, cluster, secrets, artifacts, secure, null);
    }

    /** @param tls the client listener's TLS, or null for plaintext; with {@code secure}, the listener is SASL_SSL */
    public KafkaBroker(Path home, Node node, List<Node> cluster, Path secrets, Artifacts artifacts, boolean secure, Tls tls) {
        this(home, node, cluster, secrets, artifacts, secure, tls, List.of());
    }

    /** @param jvmOptions JVM options added after the broker's own heap and GC options */
    public KafkaBroker(Path home, Node node, List<Node> cluster, Path secrets, Artifacts artifacts, boolean secure, Tls tls,
                       List<String> jvmOptions) {
        this.tls = tls;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.home = home;
        this.node = node;
        this.cluster = List.copyOf(cluster);
        this.secrets = secrets;
        this.artifacts = artifacts;
        this.secure = secure;
        if (this.cluster.size() != 1 && this.cluster.size() != 3) {
            throw new IllegalArgumentException("a local cluster has 1 or 3 nodes, not " + this.cluster.size());
        }
    }

    /**
     * The nodes of a local cluster of {@code size} nodes: node {@code i} listens on {@code port + 2(i-1)} and its
     * controller on {@code controllerPort + 2(i-1)}.
     */
    public static List<Node> cluster(int size, int port, int controllerPort) {
        List<Node> nodes = new ArrayList<>();
        for (int i = 1; i <= size; i++) {
            nodes.add(new Node(i, port + 2 * (i - 1), controllerPort + 2 * (i - 1)));
        }
        return nodes;
    }

    /** The component name of node {@code id} (its pid and log files): {@code kafka}, {@code kafka-2}, {@code kafka-3}. */
    public static String componentName(int id) {
        return id == 1 ? NAME : NAME + "-" + id;
    }

    /**
     * Client properties of the super user: security.protocol, and sasl.* in secure mode, ssl.truststore.* with TLS
     * (SASL_SSL with both); empty on a plaintext broker.
     */
    public Map<String, String> adminSecurity() {
        if (!secure) {
            return tls != null ? tls.clientProperties() : Map.of();
        }
        Map<String, String> security = new java.util.HashMap<>(clientSecurity(ADMIN_USER, adminPassword()));
        if (tls != null) {
            security.putAll(tls.clientProperties());
            security.put("security.protocol", "SASL_SSL");
        }
        return Map.copyOf(security);
    }

    /** Client properties to authenticate as {@code user} with SCRAM-SHA-512 over SASL_PLAINTEXT. */
    public static Map<String, String> clientSecurity(String user, String password) {
        return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", SCRAM_MECHANISM, "sasl.jaas.config",
                jaas(user, password));
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                + password + "\";";
    }

    /** The super user's password: generated once, before the storage is formatted with its SCRAM credentials. */
    private String adminPassword() {
        return SecretFiles.password(secrets.resolve("admin.password"));
    }

    /** Every node's client listener. */
    public String bootstrapServers() {
        return String.join(",", cluster.stream().map(n -> Ports.LOOPBACK + ":" + n.port()).toList());
    }

    public Path logFile() {
        return home.resolve(componentName(node.id()) + ".log");
    }

    public Path pidFile() {
        return home.resolve(componentName(node.id()) + ".pid");
    }

    /**
     * Waits, at most {@code timeout}, until this node's client and controller ports can be bound again: after a stop
     * or a kill they can stay taken for a while (the reliability suite restarts brokers at once).
     */
    public void awaitPortsFree(Duration timeout) {
        try {
            Ports.awaitFree(node.port(), timeout);
            Ports.awaitFree(node.controllerPort(), timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the ports of broker " + node.id(), e);
        }
    }

    /** Formats the storage if needed, starts the broker, and waits until it answers a metadata request. */
    public ManagedProcess start(Duration timeout) {
        Ports.requireFree(node.port(), "Kafka broker " + node.id(), "--kafka-port");
        Ports.requireFree(node.controllerPort(), "Kafka controller " + node.id(), "--kafka-controller-port");
        if (!secure && Files.exists(secrets.resolve("admin.password"))) {
            throw new IllegalStateException("The broker data in " + home + " was created with --secure: start it with --secure "
                    + "(started without, the broker would ignore every ACL)");
        }
        if (secure && Files.exists(home.resolve("data").resolve("meta.properties")) && !Files.exists(secrets.resolve("admin.password"))) {
            throw new IllegalStateException("The broker data in " + home + " was created without --secure: it has no super user "
                    + "to start securely with. Use another --state-dir, or stop the stack and delete " + home);
        }
        Path config = writeConfig();
        formatIfNeeded(config);
        List<String> jvm = new ArrayList<>(List.of("-Xms256m", "-Xmx768m", "-XX:+UseG1GC"));
        jvm.addAll(jvmOptions);
        jvm.add("-Dlog4j2.configurationFile=" + writeLog4jConfig());
        List<String> command = java(jvm, "kafka.Kafka", config.toString());
        ManagedProcess process = ManagedProcess.start(componentName(node.id()), command, home, logFile(), pidFile());
        return process;
    }

    /** Waits until the cluster answers a metadata request with every node; for after all nodes have started. */
    public void awaitReady(ManagedProcess process, Duration timeout) {
        process.awaitReady(this::answersMetadata, timeout);
    }

    private List<String> java(List<String> jvmOptions, String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Jvm.javaExecutable());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(artifacts.kafkaClasspath());
        command.add(mainClass);
        command.addAll(List.of(args));
        return command;
    }

    private Path writeConfig() {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", Integer.toString(node.id()));
        p.setProperty("controller.quorum.voters", String.join(",", cluster.stream()
                .map(n -> n.id() + "@" + Ports.LOOPBACK + ":" + n.controllerPort()).toList()));
        int port = node.port();
        int controllerPort = node.controllerPort();
        String client = secure ? (tls != null ? "SASL_SSL" : "SASL_PLAINTEXT") : tls != null ? "SSL" : "PLAINTEXT";
        p.setProperty("listeners", client + "://" + Ports.LOOPBACK + ":" + port + ",CONTROLLER://" + Ports.LOOPBACK + ":" + controllerPort);
        p.setProperty("advertised.listeners", client + "://" + Ports.LOOPBACK + ":" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", client);
        p.setProperty("listener.security.protocol.map", client + ":" + client + ",CONTROLLER:" + (secure ? "SASL_PLAINTEXT" : "PLAINTEXT"));
        if (tls != null) {
            p.setProperty("ssl.keystore.location", tls.keyStore().toAbsolutePath().toString());
            p.setProperty("ssl.keystore.type", "PKCS12");
            p.setProperty("ssl.keystore.password", tls.password());
            p.setProperty("ssl.key.password", tls.password());
            p.setProperty("ssl.truststore.location", tls.trustStore().toAbsolutePath().toString());
            p.setProperty("ssl.truststore.type", "PKCS12");
            p.setProperty("ssl.truststore.password", tls.password());
        }
        if (secure) {
            p.setProperty("sasl.enabled.mechanisms", SCRAM_MECHANISM);
            p.setProperty("sasl.mechanism.inter.broker.protocol", SCRAM_MECHANISM);
            p.setProperty("listener.name." + client.toLowerCase(java.util.Locale.ROOT) + ".scram-sha-512.sasl.jaas.config",
                    jaas(ADMIN_USER, adminPassword()));
            p.setProperty("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            p.setProperty("allow.everyone.if.no.acl.found", "false");
            // the controller listener authenticates too (SASL/PLAIN: SCRAM credentials live in the metadata it serves), so
            // no anonymous principal needs to be a super user
            p.setProperty("sasl.mechanism.controller.protocol", "PLAIN");
            p.setProperty("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
            p.setProperty("listener.name.controller.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                    + "username=\"" + ADMIN_USER + "\" password=\"" + adminPassword() + "\" user_" + ADMIN_USER + "=\"" + adminPassword() + "\";");
            p.setProperty("super.users", "User:" + ADMIN_USER);
        }
        p.setProperty("log.dirs", home.resolve("data").toAbsolutePath().toString());
        p.setProperty("num.partitions", "3");
        p.setProperty("auto.create.topics.enable", "false");
        String replicas = Integer.toString(cluster.size());
        String minIsr = cluster.size() == 1 ? "1" : "2";
        p.setProperty("default.replication.factor", replicas);
        p.setProperty("min.insync.replicas", minIsr);
        p.setProperty("offsets.topic.replication.factor", replicas);
        p.setProperty("offsets.topic.num.partitions", "3");
        p.setProperty("transaction.state.log.replication.factor", replicas);
        p.setProperty("transaction.state.log.min.isr", minIsr);
        p.setProperty("transaction.state.log.num.partitions", "3");
        // a crashed transactional producer's open transaction holds back read_committed readers until it is aborted:
        // check for timed-out transactions every second instead of Kafka's default 10 s
        p.setProperty("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
        p.setProperty("share.coordinator.state.topic.replication.factor", replicas);
        p.setProperty("share.coordinator.state.topic.min.isr", minIsr);
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("log.retention.hours", "24");
        p.setProperty("log.segment.bytes", Integer.toString(64 * 1024 * 1024));
        Path file = home.resolve("server.properties");
        try {
            Files.createDirectories(home);
            java.io.StringWriter out = new java.io.StringWriter();
            p.store(out, "written by the aijobs devstack; edits are overwritten on start");
            if (secure || tls != null) {
                // holds the super user's password, or the key store's: owner-only before it is written
                SecretFiles.write(file, out.toString());
            } else {
                Files.writeString(file, out.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private Path writeLog4jConfig() {
        Path file = home.resolve("log4j2.properties");
        String config = String.join("\n",
                "status = warn",
                "appender.console.type = Console",
                "appender.console.name = STDOUT",
                "appender.console.layout.type = PatternLayout",
                "appender.console.layout.pattern = [%d] %p %m (%c)%n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.stdout.ref = STDOUT",
                "logger.kafka.name = kafka",
                "logger.kafka.level = WARN",
                "logger.state.name = state.change.logger",
                "logger.state.level = WARN",
                "logger.org.name = org.apache.kafka",
                "logger.org.level = WARN",
                "");
        try {
            Files.writeString(file, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private void formatIfNeeded(Path config) {
        if (Files.exists(home.resolve("data").resolve("meta.properties"))) {
            return;
        }
        List<String> args = new ArrayList<>(List.of("format", "--ignore-formatted", "--cluster-id", clusterId(), "--config",
                config.toString()));
        if (secure) {
            args.addAll(List.of("--add-scram", SCRAM_MECHANISM + "=[name=" + ADMIN_USER + ",password=" + adminPassword() + "]"));
        }
        List<String> command = java(List.of("-Xmx256m", "-Dlog4j2.configurationFile=" + writeLog4jConfig()),
                "kafka.tools.StorageTool", args.toArray(String[]::new));
        Path log = home.resolve("format.log");
        try {
            Process process = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("Formatting Kafka storage took over 60 s; see " + log);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("Formatting Kafka storage failed (exit " + process.exitValue() + "): "
                        + Files.readString(log));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while formatting Kafka storage", e);
        }
    }

    /**
     * A random KRaft cluster id. Kafka's own {@code Uuid} never starts with '-': a base64 id that does is read as an
     * option by the storage tool's argument parser, and formatting fails (seen here, one start in a few dozen).
     */
    private String clusterId() {
        // one id for every node of the cluster, kept with its secrets
        Path file = secrets.resolve("cluster.id");
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(secrets);
                Files.writeString(file, org.apache.kafka.common.Uuid.randomUuid().toString());
            }
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean answersMetadata() {
        if (!Ports.isListening(node.port())) {
            return false;
        }
        Map<String, Object> config = new java.util.HashMap<>(adminSecurity());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(config)) {
            return admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000)).nodes()
                    .get(4, TimeUnit.SECONDS).size() == cluster.size();
        } catch (Exception e) {
            return false;
        }
    }
}
