package io.aijobs.devstack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Where and how the local stack runs.
 *
 * @param stateDir       project-local folder for configs, data, logs and pid files (e.g. {@code .aijobs/stack})
 * @param kafkaPort      broker listener on 127.0.0.1
 * @param controllerPort KRaft controller listener on 127.0.0.1
 * @param registryPort   schema registry on 127.0.0.1
 * @param modelPort      model stub on 127.0.0.1
 * @param modelLatency   latency spec of the model stub (see {@code LatencyDistribution})
 * @param persistent     keep broker data and registry schemas across restarts (dev) or not (tests)
 * @param startTimeout   bound on each component's start-up
 * @param secure         SASL/SCRAM and deny-by-default ACLs on the broker (see {@link KafkaBroker})
 * @param tls            TLS on the brokers' client listener (with {@code secure}: SASL_SSL), or null
 * @param brokers        1, or 3 (node {@code i} on {@code kafkaPort + 2(i-1)}, its controller on
 *                       {@code controllerPort + 2(i-1)}; replication factor 3 and {@code min.insync.replicas=2})
 * @param brokerJvmOptions JVM options added to each broker's (after the stack's own heap and GC options)
 */
public record StackSettings(Path stateDir, int kafkaPort, int controllerPort, int registryPort, int modelPort,
                            String modelLatency, boolean persistent, Duration startTimeout, boolean secure, int brokers,
                            KafkaBroker.Tls tls, List<String> brokerJvmOptions) {

    public static final int DEFAULT_KAFKA_PORT = 19092;
    public static final int DEFAULT_CONTROLLER_PORT = 19093;
    public static final int DEFAULT_REGISTRY_PORT = 18081;
    public static final int DEFAULT_MODEL_PORT = 18000;

    public StackSettings {
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(modelLatency, "modelLatency");
        Objects.requireNonNull(startTimeout, "startTimeout");
        brokerJvmOptions = List.copyOf(brokerJvmOptions);
        if (brokers != 1 && brokers != 3) {
            throw new IllegalArgumentException("the local stack runs 1 or 3 brokers, not " + brokers);
        }
    }

    public StackSettings(Path stateDir, int kafkaPort, int controllerPort, int registryPort, int modelPort, String modelLatency,
                         boolean persistent, Duration startTimeout, boolean secure, int brokers) {
        this(stateDir, kafkaPort, controllerPort, registryPort, modelPort, modelLatency, persistent, startTimeout, secure, brokers, null,
                List.of());
    }

    public StackSettings(Path stateDir, int kafkaPort, int controllerPort, int registryPort, int modelPort, String modelLatency,
                         boolean persistent, Duration startTimeout, boolean secure) {
        this(stateDir, kafkaPort, controllerPort, registryPort, modelPort, modelLatency, persistent, startTimeout, secure, 1);
    }

    public StackSettings(Path stateDir, int kafkaPort, int controllerPort, int registryPort, int modelPort, String modelLatency,
                         boolean persistent, Duration startTimeout) {
        this(stateDir, kafkaPort, controllerPort, registryPort, modelPort, modelLatency, persistent, startTimeout, false);
    }

    /** The same stack with the broker's secure mode on or off. */
    public StackSettings withSecure(boolean secure) {
        return new StackSettings(stateDir, kafkaPort, controllerPort, registryPort, modelPort, modelLatency, persistent, startTimeout,
                secure, brokers, tls, brokerJvmOptions);
    }

    /** The same stack with {@code brokers} brokers (1 or 3). */
    public StackSettings withBrokers(int brokers) {
        return new StackSettings(stateDir, kafkaPort, controllerPort, registryPort, modelPort, modelLatency, persistent, startTimeout,
                secure, brokers, tls, brokerJvmOptions);
    }

    /** The same stack with TLS on the brokers' client listener. */
    public StackSettings withTls(KafkaBroker.Tls tls) {
        return new StackSettings(stateDir, kafkaPort, controllerPort, registryPort, modelPort, modelLatency, persistent, startTimeout,
                secure, brokers, tls, brokerJvmOptions);
    }

    /**
     * The same stack with {@code options} added to each broker's JVM. The reliability suite runs its fresh brokers with
     * {@code -XX:TieredStopAtLevel=1}: a just-started broker spends a third of its CPU in C2 compilation for minutes,
     * which a long-running broker does not, and on 2 shared cores that compilation starves the rest.
     */
    public StackSettings withBrokerJvmOptions(List<String> options) {
        return new StackSettings(stateDir, kafkaPort, controllerPort, registryPort, modelPort, modelLatency, persistent, startTimeout,
                secure, brokers, tls, options);
    }

    /** The developer stack: fixed ports, data kept under {@code stateDir}. */
    public static StackSettings dev(Path stateDir) {
        return new StackSettings(stateDir, DEFAULT_KAFKA_PORT, DEFAULT_CONTROLLER_PORT, DEFAULT_REGISTRY_PORT,
                DEFAULT_MODEL_PORT, "lognormal:300,0.5", true, Duration.ofSeconds(90));
    }

    /** A throwaway stack for a test run: free ports, nothing kept. */
    public static StackSettings ephemeral(Path stateDir) {
        java.util.Set<Integer> ports = new java.util.LinkedHashSet<>();
        while (ports.size() < 4) {
            ports.add(Ports.freePort());
        }
        java.util.Iterator<Integer> port = ports.iterator();
        return new StackSettings(stateDir, port.next(), port.next(), port.next(), port.next(),
                "fixed:20", false, Duration.ofSeconds(120));
    }
}
