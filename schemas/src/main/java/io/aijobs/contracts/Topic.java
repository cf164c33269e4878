package io.aijobs.contracts;

import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * A topic bound to the serdes of its key and value: the only way code names a topic it reads or writes. Obtained
 * from {@link Topics}; its clients ({@link #producer}, {@link #consumer}) use exactly these serdes.
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {

    public Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
    }

    /** A topic of the same key and value types under another name: a copy of this one (benchmarks' baselines). */
    public Topic<K, V> copyNamed(String copyName) {
        return new Topic<>(copyName, keySerde, valueSerde);
    }

    /** A record for this topic. */
    public ProducerRecord<K, V> record(K key, V value) {
        return new ProducerRecord<>(name, key, value);
    }

    /** A producer of this topic's key and value types, with {@code config} (the caller closes it). */
    public KafkaProducer<K, V> producer(Map<String, Object> config) {
        return new KafkaProducer<>(config, keySerde.serializer(), valueSerde.serializer());
    }

    /** A consumer of this topic's key and value types, with {@code config}; it subscribes or assigns itself. */
    public KafkaConsumer<K, V> consumer(Map<String, Object> config) {
        return new KafkaConsumer<>(config, keySerde.deserializer(), valueSerde.deserializer());
    }

    /** The value bytes of {@code value} as this topic's serializer writes them (Confluent wire format). */
    public byte[] serializeValue(V value) {
        return valueSerde.serializer().serialize(name, value);
    }
}
