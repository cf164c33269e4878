package io.aijobs.serde;

import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka Streams {@link Serde} for one generated Avro type in Confluent's wire format. One generic class serves
 * every type: {@code AvroSerde.of(JobRequest.class, client, config)}.
 *
 * <p>The serde shares {@code client} (and its caches) with every other serde built on it; closing the serde does not
 * close the client.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {

    private final Schema schema;
    private final AvroSerializer<T> serializer;
    private final AvroDeserializer<T> deserializer;

    private AvroSerde(Class<T> type, SchemaRegistryClient client, AvroSerdeConfig config, boolean isKey) {
        this.schema = SpecificData.get().getSchema(type);
        this.serializer = new AvroSerializer<>(client, config, isKey);
        this.deserializer = new AvroDeserializer<>(type, client);
    }

    /** A value serde for {@code type}. */
    public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type, SchemaRegistryClient client, AvroSerdeConfig config) {
        return new AvroSerde<>(type, client, config, false);
    }

    /** A key serde for {@code type}. */
    public static <T extends SpecificRecord> AvroSerde<T> ofKey(Class<T> type, SchemaRegistryClient client, AvroSerdeConfig config) {
        return new AvroSerde<>(type, client, config, true);
    }

    /** The schema of the type this serde writes and reads (its generated class's schema). */
    public Schema schema() {
        return schema;
    }

    /** Resolves and keeps the schema id this serde's records are written with to {@code topic}: {@link AvroSerializer#prepare}. */
    public void prepare(String topic) {
        serializer.prepare(topic, schema);
    }

    /** Already configured at construction; Kafka's call is accepted and ignored. */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }
}
