package io.aijobs.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aijobs.contracts.SampleJobs;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import java.nio.ByteBuffer;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.HexFormat;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** Byte-level behaviour of the serde, on an in-memory registry. */
class AvroSerdeTest {

    private static final Schema POINT = new Schema.Parser().parse(
            "{\"type\":\"record\",\"name\":\"Point\",\"namespace\":\"t\",\"fields\":["
                    + "{\"name\":\"label\",\"type\":\"string\"},{\"name\":\"x\",\"type\":\"int\"}]}");

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final AvroSerdeConfig autoRegister = new AvroSerdeConfig(Map.of(
            AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://unused", AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true));
    private final AvroSerdeConfig noAutoRegister = new AvroSerdeConfig(Map.of(
            AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://unused"));

    private static GenericRecord point(String label, int x) {
        return new GenericRecordBuilder(POINT).set("label", label).set("x", x).build();
    }

    @Test
    void shouldWriteMagicByteBigEndianIdAndAvroBinary() {
        AvroSerializer<GenericRecord> serializer = new AvroSerializer<>(registry, autoRegister, false);

        byte[] bytes = serializer.serialize("points", point("hi", 1));

        // 0x00 | id 1 as 4 bytes big-endian | "hi" = zig-zag length 2 (0x04) + 'h' 'i' | int 1 = zig-zag 0x02
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo("00" + "00000001" + "046869" + "02");
        assertThat(registry.subjects()).containsExactly("points-value");
    }

    @Test
    void shouldWriteLargeSchemaIdsBigEndian() {
        ByteBuffer header = ByteBuffer.allocate(WireFormat.HEADER_SIZE);

        WireFormat.writeHeader(header, 0x01020304);

        assertThat(HexFormat.of().formatHex(header.array())).isEqualTo("0001020304");
        assertThat(WireFormat.readHeader(ByteBuffer.wrap(header.array()))).isEqualTo(0x01020304);
    }

    @Test
    void shouldReadBytesAsAConfluentSerializerWritesThem() {
        registry.register("points-value", POINT);
        AvroDeserializer<GenericRecord> deserializer = genericDeserializer();

        GenericRecord value = deserializer.deserialize("points", HexFormat.of().parseHex("0000000001" + "046869" + "02"));

        assertThat(value.get("label").toString()).isEqualTo("hi");
        assertThat(value.get("x")).isEqualTo(1);
    }

    private AvroDeserializer<GenericRecord> genericDeserializer() {
        return new AvroDeserializer<>(registry, false);
    }

    @Test
    void shouldRoundTripAGeneratedRecord() {
        AvroSerde<JobRequest> serde = AvroSerde.of(JobRequest.class, registry, autoRegister);
        JobRequest job = SampleJobs.job("job-1", "acme");

        JobRequest read = serde.deserializer().deserialize("tenant.acme.jobs", serde.serializer().serialize("tenant.acme.jobs", job));

        assertThat(read).isEqualTo(job);
    }

    @Test
    void shouldUseTheRecordNameAsSubjectWithRecordNameStrategy() {
        AvroSerdeConfig config = new AvroSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://unused",
                AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true,
                AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG, "io.confluent.kafka.serializers.subject.RecordNameStrategy"));

        new AvroSerializer<JobRequest>(registry, config, false).serialize("tenant.acme.jobs", SampleJobs.job("j", "acme"));

        assertThat(registry.subjects()).containsExactly("io.aijobs.schema.JobRequest");
    }

    @Test
    void shouldRefuseToSendAnUnregisteredSchemaWhenAutoRegistrationIsOff() {
        AvroSerializer<JobRequest> serializer = new AvroSerializer<>(registry, noAutoRegister, false);

        assertThatThrownBy(() -> serializer.serialize("tenant.acme.jobs", SampleJobs.job("j", "acme")))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("not registered under subject 'tenant.acme.jobs-value'")
                .hasMessageContaining("auto.register.schemas=false");
    }

    @Test
    void shouldUseAnAlreadyRegisteredSchemaWhenAutoRegistrationIsOff() {
        int id = registry.register("tenant.acme.jobs-value", JobRequest.getClassSchema());
        AvroSerializer<JobRequest> serializer = new AvroSerializer<>(registry, noAutoRegister, false);

        byte[] bytes = serializer.serialize("tenant.acme.jobs", SampleJobs.job("j", "acme"));

        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);
    }

    @Test
    void shouldExplainAnIncompatibleSchema() {
        registry.register("points-value", POINT);
        Schema incompatible = new Schema.Parser().parse(POINT.toString().replace("\"x\",\"type\":\"int\"", "\"x\",\"type\":\"string\""));
        AvroSerializer<GenericRecord> serializer = new AvroSerializer<>(registry, autoRegister, false);

        assertThatThrownBy(() -> serializer.serialize("points", new GenericRecordBuilder(incompatible).set("label", "a").set("x", "b").build()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("incompatible with the earlier versions of subject 'points-value'");
    }

    @Test
    void shouldRejectMagicByteOne() {
        AvroDeserializer<JobRequest> deserializer = new AvroDeserializer<>(JobRequest.class, registry);

        assertThatThrownBy(() -> deserializer.deserialize("t", HexFormat.of().parseHex("0100000001046869")))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Unknown magic byte 0x01");
    }

    @Test
    void shouldRejectRecordsShorterThanTheHeader() {
        AvroDeserializer<JobRequest> deserializer = new AvroDeserializer<>(JobRequest.class, registry);

        assertThatThrownBy(() -> deserializer.deserialize("t", new byte[] {0, 0, 1}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("3 bytes");
    }

    @Test
    void shouldRejectUnknownSchemaIds() {
        AvroDeserializer<JobRequest> deserializer = new AvroDeserializer<>(JobRequest.class, registry);

        assertThatThrownBy(() -> deserializer.deserialize("t", HexFormat.of().parseHex("00000003e7046869")))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Unknown schema id 999");
    }

    @Test
    void shouldRejectTruncatedPayloads() {
        AvroSerde<JobRequest> serde = AvroSerde.of(JobRequest.class, registry, autoRegister);
        byte[] whole = serde.serializer().serialize("tenant.acme.jobs", SampleJobs.job("job-1", "acme"));

        byte[] truncated = Arrays.copyOf(whole, whole.length - 10);

        assertThatThrownBy(() -> serde.deserializer().deserialize("tenant.acme.jobs", truncated))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Corrupt or truncated Avro payload");
    }

    @Test
    void shouldRejectPayloadsLongerThanTheirSchema() {
        registry.register("points-value", POINT);
        AvroDeserializer<GenericRecord> deserializer = genericDeserializer();

        assertThatThrownBy(() -> deserializer.deserialize("points", HexFormat.of().parseHex("0000000001" + "046869" + "02" + "0606")))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("2 bytes left");
    }

    @Test
    void shouldRejectARecordOfAnotherTypeForATypedDeserializer() {
        int resultId = registry.register("x-value", JobResult.getClassSchema());
        ByteBuffer bytes = ByteBuffer.allocate(16);
        WireFormat.writeHeader(bytes, resultId);

        assertThatThrownBy(() -> new AvroDeserializer<>(JobRequest.class, registry).deserialize("x", bytes.array()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("cannot be read as io.aijobs.schema.JobRequest");
    }

    @Test
    void shouldReadRecordsWrittenWithAnOlderSchemaFillingDefaults() throws Exception {
        Schema current = JobRequest.getClassSchema();
        Schema older = withoutField(current, "metadata");
        GenericRecord old = asGeneric(SampleJobs.job("job-1", "acme"), older);
        byte[] bytes = new AvroSerializer<GenericRecord>(registry, autoRegister, false).serialize("tenant.acme.jobs", old);

        JobRequest read = new AvroDeserializer<>(JobRequest.class, registry).deserialize("tenant.acme.jobs", bytes);

        assertThat(read.getJobId()).isEqualTo("job-1");
        assertThat(read.getMetadata()).isEmpty();
    }

    @Test
    void shouldReturnTheGeneratedClassNamedByTheWriterSchemaWhenSpecificReaderIsOn() {
        AvroSerde<JobRequest> serde = AvroSerde.of(JobRequest.class, registry, autoRegister);
        byte[] bytes = serde.serializer().serialize("tenant.acme.jobs", SampleJobs.job("job-1", "acme"));

        Object specific = new AvroDeserializer<>(registry, true).deserialize("tenant.acme.jobs", bytes);
        Object generic = new AvroDeserializer<>(registry, false).deserialize("tenant.acme.jobs", bytes);

        assertThat(specific).isInstanceOf(JobRequest.class);
        assertThat(generic).isInstanceOf(GenericData.Record.class);
    }

    private static Schema withoutField(Schema schema, String name) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field field : schema.getFields()) {
            if (!field.name().equals(name)) {
                fields.add(new Schema.Field(field, field.schema()));
            }
        }
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }

    /** The job as an older writer would have produced it: encoded, then resolved to {@code older}. */
    private static GenericRecord asGeneric(JobRequest job, Schema older) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<JobRequest>(JobRequest.getClassSchema()).write(job, encoder);
        encoder.flush();
        return new GenericDatumReader<GenericRecord>(JobRequest.getClassSchema(), older)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    }
}
