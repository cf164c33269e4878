package io.aijobs.processor.admission;

import io.aijobs.processor.failure.Failure;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobRequest;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Second step: the job a record's bytes encode. Bytes that do not decode are POISON; a record without a value is
 * INVALID. Touches no state.
 */
final class JobDecoding {

    static final String NAME = "decode";

    private final Deserializer<JobRequest> deserializer;

    JobDecoding(Deserializer<JobRequest> deserializer) {
        this.deserializer = Objects.requireNonNull(deserializer, "deserializer");
    }

    /** The job, or why the record cannot be one: exactly one of the two is set. */
    record Decoded(JobRequest job, Failure failure) {
    }

    Decoded decode(Arrival arrival) {
        JobRequest job;
        try {
            job = deserializer.deserialize(arrival.topic(), arrival.value());
        } catch (SerializationException e) {
            return new Decoded(null, Failure.rejection(FailureCategory.POISON, "deserialization", e.getMessage()));
        } catch (RuntimeException e) {
            // Avro can throw more than SerializationException on hostile bytes
            return new Decoded(null, Failure.rejection(FailureCategory.POISON, "deserialization",
                    e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
        if (job == null) {
            return new Decoded(null, Failure.rejection(FailureCategory.INVALID, "null_value", "A job record needs a value"));
        }
        return new Decoded(job, null);
    }
}
