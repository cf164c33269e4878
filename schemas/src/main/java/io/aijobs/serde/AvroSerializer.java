package io.aijobs.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro records (generated {@code SpecificRecord}s or {@code GenericRecord}s) in Confluent's wire format:
 * {@code 0x00}, the schema id (4 bytes, big-endian), the Avro binary encoding. The bytes are identical to those of
 * Confluent's {@code KafkaAvroSerializer} for the same schema id.
 *
 * <p>Usable by class name ({@code value.serializer=io.aijobs.serde.AvroSerializer}, configured through
 * {@link AvroSerdeConfig}) or built with a client ({@link #AvroSerializer(SchemaRegistryClient, AvroSerdeConfig, boolean)}).
 * The schema id is resolved once per (subject, schema) and cached; with {@code auto.register.schemas=false} the
 * schema must already be registered under the subject.
 *
 * <p>Thread-safe after {@link #configure}.
 */
public class AvroSerializer<T extends GenericContainer> implements Serializer<T> {

    private SchemaRegistryClient client;
    private boolean ownsClient;
    private boolean autoRegister;
    private SubjectNameStrategy subjectNameStrategy;
    private boolean isKey;
    private final Map<String, Map<Schema, Integer>> ids = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<Object>> writers = new ConcurrentHashMap<>();

    /** For Kafka, which instantiates by class name and then calls {@link #configure}. */
    public AvroSerializer() {
    }

    public AvroSerializer(SchemaRegistryClient client, AvroSerdeConfig config, boolean isKey) {
        this.client = client;
        this.ownsClient = false;
        apply(config, isKey);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = new AvroSerdeConfig(configs);
        if (client == null) {
            client = new RestSchemaRegistryClient(config.schemaRegistryUrl(), Duration.ofMillis(config.requestTimeoutMs()));
            ownsClient = true;
        }
        apply(config, isKey);
    }

    private void apply(AvroSerdeConfig config, boolean key) {
        this.autoRegister = config.autoRegisterSchemas();
        this.subjectNameStrategy = config.subjectNameStrategy(key);
        this.isKey = key;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        requireConfigured();
        Schema schema = data.getSchema();
        String subject = subjectNameStrategy.subject(topic, isKey, schema);
        int id = schemaId(subject, schema);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        ByteBuffer header = ByteBuffer.allocate(WireFormat.HEADER_SIZE);
        WireFormat.writeHeader(header, id);
        out.write(header.array(), 0, WireFormat.HEADER_SIZE);
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writers.computeIfAbsent(schema, s -> data instanceof SpecificRecord
                    ? new SpecificDatumWriter<>(s) : new GenericDatumWriter<>(s)).write(data, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Could not encode " + schema.getFullName() + " for topic " + topic + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    /**
     * Resolves the id of {@code schema} for {@code topic} (registering it, or looking it up, as {@link #serialize}
     * would) and keeps it, so that the first record serialized for the topic does not wait for the registry.
     *
     * @throws SerializationException as {@link #serialize} would
     */
    public void prepare(String topic, Schema schema) {
        requireConfigured();
        schemaId(subjectNameStrategy.subject(topic, isKey, schema), schema);
    }

    private void requireConfigured() {
        if (client == null) {
            throw new IllegalStateException("AvroSerializer used before configure()");
        }
    }

    private int schemaId(String subject, Schema schema) {
        Map<Schema, Integer> bySchema = ids.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer cached = bySchema.get(schema);
        if (cached != null) {
            return cached;
        }
        int id;
        try {
            id = autoRegister ? client.register(subject, schema) : client.lookup(subject, schema).id();
        } catch (SchemaRegistryException e) {
            throw new SerializationException(explain(subject, schema, e), e);
        }
        bySchema.put(schema, id);
        return id;
    }

    private String explain(String subject, Schema schema, SchemaRegistryException e) {
        if (e.isIncompatible()) {
            return "Schema " + schema.getFullName() + " is incompatible with the earlier versions of subject '" + subject
                    + "'; make the change compatible (new fields need defaults) or use a new subject. " + e.getMessage();
        }
        if (!autoRegister && (e.isSubjectNotFound() || e.isSchemaNotFound())) {
            return "Schema " + schema.getFullName() + " is not registered under subject '" + subject + "' and "
                    + AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG + "=false; register it first (./aijobs schemas register) "
                    + "or enable auto-registration. " + e.getMessage();
        }
        return "Schema registry failed for subject '" + subject + "': " + e.getMessage();
    }

    @Override
    public void close() {
        if (ownsClient && client != null) {
            client.close();
        }
    }
}
