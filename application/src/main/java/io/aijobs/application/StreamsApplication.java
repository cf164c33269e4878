package io.aijobs.application;

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
 *   <li>Its Kafka Streams metrics are bound to the application's meter registry.
 *   <li>{@link #close} leaves the consumer group, so that a restarted or replaced instance gets the tasks at once
 *       instead of after the session timeout.
 * </ul>
 */
public final class StreamsApplication implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamsApplication.class);

    private final String name;
    private final KafkaStreams streams;
    private final KafkaStreamsMetrics metrics;

    /**
     * @param name       the application's name in logs
     * @param properties from {@link StreamsAppConfig#streamsProperties}; {@code meters} is handed to the
     *                   {@link PlatformRecordExceptionHandler} through them
     */
    public StreamsApplication(String name, Topology topology, Properties properties, MeterRegistry meters) {
        this.name = Objects.requireNonNull(name, "name");
        Objects.requireNonNull(meters, "meters");
        log.info("{} topology:\n{}", name, topology.describe());
        Properties withMeters = new Properties();
        withMeters.putAll(properties);
        withMeters.put(PlatformRecordExceptionHandler.METER_REGISTRY_CONFIG, meters);
        this.streams = new KafkaStreams(topology, withMeters);
        streams.setUncaughtExceptionHandler(e -> {
            log.error("{}: a stream thread failed; replacing it", name, e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        this.metrics = new KafkaStreamsMetrics(streams);
        metrics.bindTo(meters);
    }

    public void start() {
        streams.start();
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** Stops the stream threads within {@code timeout}, committing what they processed, and leaves the group. */
    public void close(Duration timeout) {
        boolean stopped = streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(timeout));
        if (!stopped) {
            log.warn("{}: Kafka Streams did not stop within {}", name, timeout);
        }
        metrics.close();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(60));
    }
}
