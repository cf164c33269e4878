package io.aijobs.processor.admission;

import static io.aijobs.processor.admission.AdmissionFixtures.ACME_JOBS;
import static io.aijobs.processor.admission.AdmissionFixtures.job;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobRequest;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class JobDecodingTest {

    private static Arrival arrival(byte[] value) {
        return new Arrival(ACME_JOBS, 0, "j-1", value, null, 0);
    }

    @Test
    void shouldDecodeAJob() {
        JobRequest job = job("j-1").build();

        JobDecoding.Decoded decoded = new JobDecoding((topic, bytes) -> job).decode(arrival(new byte[] {1}));

        assertThat(decoded.job()).isSameAs(job);
        assertThat(decoded.failure()).isNull();
    }

    @Test
    void shouldRejectBytesThatDoNotDecodeAsPoison() {
        JobDecoding.Decoded decoded = new JobDecoding((topic, bytes) -> {
            throw new SerializationException("unknown magic byte");
        }).decode(arrival(new byte[] {9}));

        assertThat(decoded.job()).isNull();
        assertThat(decoded.failure().category()).isEqualTo(FailureCategory.POISON);
        assertThat(decoded.failure().errorType()).isEqualTo("deserialization");
        assertThat(decoded.failure().message()).isEqualTo("unknown magic byte");
    }

    @Test
    void shouldRejectBytesThatBreakTheDecoderAsPoisonNamingTheException() {
        JobDecoding.Decoded decoded = new JobDecoding((topic, bytes) -> {
            throw new ArrayIndexOutOfBoundsException("-3");
        }).decode(arrival(new byte[] {9}));

        assertThat(decoded.failure().category()).isEqualTo(FailureCategory.POISON);
        assertThat(decoded.failure().errorType()).isEqualTo("deserialization");
        assertThat(decoded.failure().message()).isEqualTo("ArrayIndexOutOfBoundsException: -3");
    }

    @Test
    void shouldRejectARecordWithoutAValueAsInvalid() {
        JobDecoding.Decoded decoded = new JobDecoding((topic, bytes) -> null).decode(arrival(null));

        assertThat(decoded.job()).isNull();
        assertThat(decoded.failure().category()).isEqualTo(FailureCategory.INVALID);
        assertThat(decoded.failure().errorType()).isEqualTo("null_value");
    }
}
