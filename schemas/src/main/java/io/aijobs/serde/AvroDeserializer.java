package io.aijobs.serde;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent-wire-format Avro records: checks the magic byte, fetches the writer schema by id from the
 * registry (cached), and decodes with schema resolution into the reader's type.
 *
 * <p>Built for a generated class ({@link #AvroDeserializer(Class, SchemaRegistryClient)}), it resolves every writer
 * schema against that class's schema, so a consumer keeps reading records written with older (or newer, compatible)
 * versions. Configured by class name, it returns a {@code GenericRecord}, or the generated class named by the writer
 * schema when {@code specific.avro.reader=true}.
 *
 * <p>Every malformed input fails with a {@link SerializationException} that says what is wrong: fewer than five
 * bytes, a magic byte other than 0x00, a schema id the registry does not know, a payload truncated or longer than its
 * schema, or a writer schema that cannot be read as the reader type. Kafka's and Streams' deserialization-exception
 * handlers see that exception; the original bytes are untouched.
 *
 * <p>Avro instantiates generated classes only from trusted packages: run with
 * {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.aijobs.schema} (the platform's apps and tests do).
 *
 * <p>Thread-safe after {@link #configure}.
 */
public class AvroDeserializer<T> implements Deserializer<T> {

    private final Class<T> type;
    private SchemaRegistryClient client;
    private boolean ownsClient;
    private boolean specific;
    private final Map<Integer, DatumReader<Object>> readers = new ConcurrentHashMap<>();

    /** For Kafka, which instantiates by class name and then calls {@link #configure}. */
    public AvroDeserializer() {
        this.type = null;
    }

    /**
     * A deserializer that decodes with the writer schema: into the generated class it names when
     * {@code specificReader}, else into a {@code GenericRecord}.
     */
    public AvroDeserializer(SchemaRegistryClient client, boolean specificReader) {
        this.type = null;
        this.client = Objects.requireNonNull(client, "client");
        this.specific = specificReader;
    }

    /** A deserializer that always returns {@code type}, resolving each writer schema against it. */
    public AvroDeserializer(Class<T> type, SchemaRegistryClient client) {
        this.type = Objects.requireNonNull(type, "type");
        this.client = Objects.requireNonNull(client, "client");
        this.specific = true;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = new AvroSerdeConfig(configs);
        if (client == null) {
            client = new RestSchemaRegistryClient(config.schemaRegistryUrl(), Duration.ofMillis(config.requestTimeoutMs()));
            ownsClient = true;
        }
        if (type == null && ownsClient) {
            specific = config.specificAvroReader();
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (client == null) {
            throw new IllegalStateException("AvroDeserializer used before configure()");
        }
        ByteBuffer buffer = ByteBuffer.wrap(data);
        int id = WireFormat.readHeader(buffer);
        DatumReader<Object> reader = readers.computeIfAbsent(id, this::readerFor);
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, buffer.position(), buffer.remaining(), null);
        Object value;
        try {
            value = reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Corrupt or truncated Avro payload for schema id " + id + " on topic " + topic
                    + " (" + data.length + " bytes): " + e, e);
        }
        int trailing;
        try {
            trailing = decoder.isEnd() ? 0 : decoder.inputStream().available();
        } catch (IOException e) {
            throw new SerializationException("Could not check the end of the Avro payload for schema id " + id, e);
        }
        if (trailing > 0) {
            throw new SerializationException(trailing + " bytes left after decoding a record of schema id " + id
                    + " on topic " + topic + ": the payload was not written with that schema");
        }
        return (T) value;
    }

    private DatumReader<Object> readerFor(int id) {
        Schema writer;
        try {
            writer = client.schemaById(id);
        } catch (SchemaRegistryException e) {
            if (e.isSchemaNotFound()) {
                throw new SerializationException("Unknown schema id " + id + ": the schema registry has no such schema "
                        + "(record written against another registry, or corrupt header)", e);
            }
            throw new SerializationException("Could not fetch schema id " + id + ": " + e.getMessage(), e);
        }
        if (type != null) {
            Schema readerSchema = SpecificData.get().getSchema(type);
            checkReadable(id, writer, readerSchema);
            return new SpecificDatumReader<>(writer, readerSchema);
        }
        if (specific && writer.getType() == Schema.Type.RECORD) {
            Class<?> generated = SpecificData.get().getClass(writer);
            if (generated == null || !SpecificRecord.class.isAssignableFrom(generated)) {
                throw new SerializationException("specific.avro.reader=true but no generated class " + writer.getFullName()
                        + " is on the classpath (schema id " + id + ")");
            }
            Schema readerSchema = SpecificData.get().getSchema(generated);
            return new SpecificDatumReader<>(writer, readerSchema);
        }
        return new GenericDatumReader<>(writer);
    }

    private static void checkReadable(int id, Schema writer, Schema reader) {
        try {
            org.apache.avro.SchemaCompatibility.SchemaPairCompatibility result =
                    org.apache.avro.SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
            if (result.getType() != org.apache.avro.SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                throw new SerializationException("Schema id " + id + " (" + writer.getFullName() + ") cannot be read as "
                        + reader.getFullName() + ": " + result.getDescription());
            }
        } catch (AvroRuntimeException e) {
            throw new SerializationException("Schema id " + id + " cannot be read as " + reader.getFullName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (ownsClient && client != null) {
            client.close();
        }
    }
}
