package io.aijobs.application;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class PlatformRecordExceptionHandlerTest {

    private record Context(String topic, int partition, long offset) implements ErrorHandlerContext {
        @Override
        public Headers headers() {
            return new RecordHeaders();
        }

        @Override
        public String processorNodeId() {
            return "prices-source";
        }

        @Override
        public TaskId taskId() {
            return new TaskId(-1, -1);
        }

        @Override
        public long timestamp() {
            return 0;
        }

        @Override
        public byte[] sourceRawKey() {
            return null;
        }

        @Override
        public byte[] sourceRawValue() {
            return null;
        }
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic, long offset) {
        return new ConsumerRecord<>(topic, 0, offset, "k".getBytes(), new byte[] {1, 2, 3});
    }

    @Test
    void shouldResumeAndCountEachSkippedRecordByTopic() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        PlatformRecordExceptionHandler handler = new PlatformRecordExceptionHandler();
        handler.configure(Map.of(PlatformRecordExceptionHandler.METER_REGISTRY_CONFIG, meters));

        DeserializationExceptionHandler.Response first = handler.handleError(new Context("platform.prices", 0, 7),
                record("platform.prices", 7), new SerializationException("bad"));
        handler.handleError(new Context("platform.prices", 0, 9), record("platform.prices", 9), new SerializationException("bad"));
        handler.handleError(new Context("platform.tenant-policies", 1, 3), record("platform.tenant-policies", 3),
                new SerializationException("bad"));

        assertThat(first.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
        assertThat(first.deadLetterQueueRecords()).isEmpty();
        assertThat(meters.get(PlatformRecordExceptionHandler.SKIPPED_METRIC).tag("topic", "platform.prices").counter().count()).isEqualTo(2.0);
        assertThat(meters.get(PlatformRecordExceptionHandler.SKIPPED_METRIC).tag("topic", "platform.tenant-policies").counter().count())
                .isEqualTo(1.0);
    }

    @Test
    void shouldStillResumeWithoutAMeterRegistry() {
        PlatformRecordExceptionHandler handler = new PlatformRecordExceptionHandler();
        handler.configure(Map.of());

        assertThat(handler.handleError(new Context("t", 0, 1), record("t", 1), new SerializationException("bad")).result())
                .isEqualTo(DeserializationExceptionHandler.Result.RESUME);
    }
}
