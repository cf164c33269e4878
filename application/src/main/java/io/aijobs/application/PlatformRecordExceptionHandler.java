package io.aijobs.application;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the applications do with a record that does not deserialize. Every source that Kafka Streams deserializes is
 * written by the platform itself: the global sources (tenant policies, spend, prices) and the platform topics the
 * alerts read. Jobs are not among them: the processor reads jobs as bytes and dead-letters what does not decode.
 *
 * <p>Decision: such a record is <b>skipped, never silently</b>. It is logged at ERROR with its topic, partition and
 * offset (never its bytes, which may hold a tenant's data) and counted in {@code aijobs_platform_records_skipped_total}
 * tagged by topic. For a global source the value in effect for the record's key stays in effect: a tenant keeps its
 * last good policy, a model its last good price, and a tenant without any policy is refused when
 * {@code tenant.policy.required} is set. The alternative, failing the application, would stop every tenant on every
 * instance: a global source is re-read from its start at each start, so the bad record would stop each restart
 * again until compaction removed it, which an operator cannot force.
 *
 * <p>Kafka Streams creates this handler by class name; the meter registry arrives in the configuration under
 * {@link #METER_REGISTRY_CONFIG}. Without one, records are still skipped and logged.
 */
public final class PlatformRecordExceptionHandler implements DeserializationExceptionHandler {

    /** Configuration key (not a public setting) under which an application hands over its {@link MeterRegistry}. */
    public static final String METER_REGISTRY_CONFIG = "aijobs.internal.meter.registry";
    public static final String SKIPPED_METRIC = "aijobs.platform.records.skipped";

    private static final Logger log = LoggerFactory.getLogger(PlatformRecordExceptionHandler.class);

    private MeterRegistry meters;

    @Override
    public void configure(Map<String, ?> configs) {
        Object registry = configs.get(METER_REGISTRY_CONFIG);
        meters = registry instanceof MeterRegistry meterRegistry ? meterRegistry : null;
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        log.error("Skipped an undecodable record of {}-{} at offset {} ({}: {}); the value in effect for its key stays",
                context.topic(), context.partition(), context.offset(), exception.getClass().getName(),
                exception.getCause() == null ? "" : exception.getCause().getClass().getName());
        if (meters != null) {
            Counter.builder(SKIPPED_METRIC).description("Records of platform topics skipped because they did not deserialize")
                    .tag("topic", context.topic()).register(meters).increment();
        }
        return Response.resume(List.of());
    }
}
