package io.aijobs.processor.execution;

import io.aijobs.schema.state.JobExecutionState;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Store values in Avro's single-object encoding (a 10-byte header with the schema fingerprint, then Avro binary),
 * so that a later version of {@link JobExecutionState} can still read what an older one wrote. Internal topics
 * need no registry.
 */
final class StateSerde implements Serde<JobExecutionState> {

    @Override
    public Serializer<JobExecutionState> serializer() {
        return (topic, state) -> {
            if (state == null) {
                return null;
            }
            try {
                ByteBuffer buffer = JobExecutionState.getEncoder().encode(state);
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                return bytes;
            } catch (IOException e) {
                throw new SerializationException("Could not encode job state", e);
            }
        };
    }

    @Override
    public Deserializer<JobExecutionState> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return JobExecutionState.getDecoder().decode(bytes);
            } catch (IOException e) {
                throw new SerializationException("Could not decode job state", e);
            }
        };
    }
}
