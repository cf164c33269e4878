package io.aijobs.application;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.time.Clock;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import java.util.function.BooleanSupplier;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka Streams lifecycle that every application of the platform shares.
 *
 * <ul>
 *   <li>At construction it logs the topology's {@code describe()}, so that a deployment's log says which processors,
 *       stores and topics it runs.
 *   <li>A stream thread that dies of an unexpected exception is logged and replaced: its tasks are retried from
 *       their last commit, as exactly-once allows.
 *   <li>Its Kafka Streams metrics, and the JVM's and the process's (memory, GC, threads, classes, CPU, uptime, open
 *       files), are bound to the application's meter registry.
 *   <li>Its {@link Health} (live, ready) follows Kafka Streams' state, the restoration of its stores and the schema
 *       registry's answers.
 *   <li>{@link #start} after a run that did not close cleanly (kill -9, a crash, a lost host; see {@link RunMarker})
 *       first deletes the instance's local state ({@link KafkaStreams#cleanUp}). Under exactly-once, Kafka Streams would
 *       wipe the stores of every task the instance was running anyway, but only after the instance had claimed those
 *       tasks as its own in the group: the assignor then gave them back to it, and their partitions waited while it
 *       restored them from scratch and rebalanced again. With no local state it claims nothing, so the instances
 *       that hold the tasks' state keep them, and it warms up copies in the background.
 *   <li>{@link #close} leaves the consumer group, so that a restarted or replaced instance gets the tasks at once
 *       instead of after the session timeout; except a static member ({@code group.instance.id} set for its
 *       consumers), which stays, so that its restart within the session timeout keeps its tasks without a rebalance.
 * </ul>
 */
public final class StreamsApplication implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamsApplication.class);

    private final String name;
    private final KafkaStreams streams;
    private final KafkaStreamsMetrics metrics;
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final Health health;
    private final boolean staticMember;
    private final RunMarker runMarker;

    /**
     * @param name       the application's name in logs
     * @param properties from {@link StreamsAppConfig#streamsProperties}; {@code meters} is handed to the
     *                   {@link PlatformRecordExceptionHandler} through them
     * @param registryAnswers whether the schema registry answers now, for readiness
     */
    public StreamsApplication(String name, Topology topology, Properties properties, MeterRegistry meters,
                              BooleanSupplier registryAnswers) {
        this.name = Objects.requireNonNull(name, "name");
        Objects.requireNonNull(meters, "meters");
        log.info("{} topology:\n{}", name, topology.describe());
        Properties withMeters = new Properties();
        withMeters.putAll(properties);
        withMeters.put(PlatformRecordExceptionHandler.METER_REGISTRY_CONFIG, meters);
        this.streams = new KafkaStreams(topology, withMeters);
        this.staticMember = isStaticMember(properties);
        this.runMarker = RunMarker.of(properties);
        streams.setUncaughtExceptionHandler(e -> {
            log.error("{}: a stream thread failed; replacing it", name, e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        this.metrics = new KafkaStreamsMetrics(streams);
        metrics.bindTo(meters);
        new JvmMemoryMetrics().bindTo(meters);
        gcMetrics.bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        new ClassLoaderMetrics().bindTo(meters);
        new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(meters);
        new UptimeMetrics().bindTo(meters);
        new FileDescriptorMetrics().bindTo(meters);
        this.health = new Health(streams::state, registryAnswers, Clock.systemUTC());
        streams.setGlobalStateRestoreListener(health.restoreListener());
        // what /health/live and /health/ready answer, for alert rules: 1 or 0
        io.micrometer.core.instrument.Gauge.builder("aijobs.application.live", health, h -> h.live().ok() ? 1 : 0)
                .description("1 while the application is live (see /health/live)").tag("application", name).register(meters);
        io.micrometer.core.instrument.Gauge.builder("aijobs.application.ready", health, h -> h.ready().ok() ? 1 : 0)
                .description("1 while the application is ready (see /health/ready)").tag("application", name).register(meters);
    }

    public Health health() {
        return health;
    }

    public void start() {
        if (runMarker.previousRunDidNotClose()) {
            log.warn("{}: the previous run did not close cleanly; deleting its local state, which the changelogs restore", name);
            streams.cleanUp();
        }
        runMarker.running();
        streams.start();
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** Whether the properties give the consumers a {@code group.instance.id}: static membership. */
    static boolean isStaticMember(Properties properties) {
        String key = ConsumerConfig.GROUP_INSTANCE_ID_CONFIG;
        return properties.containsKey(key) || properties.containsKey(StreamsConfig.consumerPrefix(key))
                || properties.containsKey(StreamsConfig.mainConsumerPrefix(key));
    }

    /**
     * Stops the stream threads within {@code timeout}, committing what they processed, and leaves the group unless
     * it is a static member.
     */
    public void close(Duration timeout) {
        boolean stopped = streams.close(CloseOptions.groupMembershipOperation(staticMember
                        ? CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP : CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(timeout));
        if (stopped) {
            runMarker.closedCleanly();
        } else {
            log.warn("{}: Kafka Streams did not stop within {}", name, timeout);
        }
        metrics.close();
        gcMetrics.close();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(60));
    }
}
