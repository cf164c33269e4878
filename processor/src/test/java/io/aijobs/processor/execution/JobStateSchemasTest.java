package io.aijobs.processor.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.schema.state.ExecutionStatus;
import io.aijobs.schema.state.JobExecutionState;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/** The job-state store reads what every earlier version of the processor wrote into it. */
class JobStateSchemasTest {

    @Test
    void shouldKeepACopyOfTheCurrentSchemaAsTheNewestVersion() {
        List<Schema> versions = JobExecutionProcessorSupplier.stateSchemas();

        assertThat(versions).hasSizeGreaterThanOrEqualTo(5);
        // the single-object encoding names a schema by the fingerprint of its parsing canonical form (docs aside)
        assertThat(org.apache.avro.SchemaNormalization.parsingFingerprint64(versions.get(versions.size() - 1)))
                .as("add JobExecutionState.avsc as the next version when it changes")
                .isEqualTo(org.apache.avro.SchemaNormalization.parsingFingerprint64(JobExecutionState.getClassSchema()));
    }

    @Test
    void shouldReadAStateWrittenWithTheFirstVersionGivingTheNewFieldsTheirDefaults() throws Exception {
        Schema first = JobExecutionProcessorSupplier.stateSchemas().get(0);
        GenericRecord old = new GenericData.Record(first);
        for (Schema.Field field : first.getFields()) {
            old.put(field.name(), field.hasDefaultValue() ? GenericData.get().getDefaultValue(field) : null);
        }
        old.put("status", new GenericData.EnumSymbol(first.getField("status").schema(), "IN_FLIGHT"));
        old.put("jobId", "j-1");
        old.put("tenantId", "acme");
        old.put("attempt", 2);
        old.put("receivedAt", 1L);
        old.put("updatedAt", 2L);
        old.put("originTopic", "tenant.acme.jobs");
        old.put("originPartition", 0);
        old.put("originOffset", 7L);
        ByteBuffer written = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), first).encode(old);
        byte[] bytes = new byte[written.remaining()];
        written.get(bytes);

        JobExecutionState read = JobExecutionProcessorSupplier.stateSerde().deserializer().deserialize("changelog", bytes);

        assertThat(read.getStatus()).isEqualTo(ExecutionStatus.IN_FLIGHT);
        assertThat(read.getJobId()).isEqualTo("j-1");
        assertThat(read.getAttempt()).isEqualTo(2);
        assertThat(read.getOriginOffset()).isEqualTo(7L);
        assertThat(read.getRoutePosition()).isZero();
        assertThat(read.getBatchKey()).isNull();
        assertThat(read.getTraceParent()).isNull();
    }
}
