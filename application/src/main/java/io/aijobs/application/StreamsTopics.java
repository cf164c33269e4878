package io.aijobs.application;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TenantTopics;
import io.aijobs.contracts.Topic;
import java.util.Objects;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * Kafka Streams sources, sinks and global stores named by a {@link Topic} or {@link TenantTopics}, so that a topology
 * never pairs a topic name with serdes by hand. Node names stay the caller's constants.
 */
public final class StreamsTopics {

    private StreamsTopics() {
    }

    public static <K, V> Consumed<K, V> consumed(Topic<K, V> topic, String sourceName) {
        return Consumed.with(topic.keySerde(), topic.valueSerde()).withName(sourceName);
    }

    public static <K, V> Consumed<K, V> consumed(TenantTopics<K, V> topics, String sourceName) {
        return Consumed.with(topics.keySerde(), topics.valueSerde()).withName(sourceName);
    }

    public static <K, V> Produced<K, V> produced(Topic<K, V> topic, String sinkName) {
        return Produced.with(topic.keySerde(), topic.valueSerde()).withName(sinkName);
    }

    public static <K, V> Produced<K, V> produced(TenantTopics<K, V> topics, String sinkName) {
        return Produced.with(topics.keySerde(), topics.valueSerde()).withName(sinkName);
    }

    /** A source node reading {@code topic} with its serdes. */
    public static <K, V> void addSource(Topology topology, String sourceName, Topic<K, V> topic) {
        topology.addSource(sourceName, topic.keySerde().deserializer(), topic.valueSerde().deserializer(), topic.name());
    }

    /**
     * A sink node writing the records of type {@code type} that its parents forward to {@code topic}. Parents that
     * forward several types to several sinks address each sink by name.
     */
    public static <K, V> void addSink(Topology topology, String sinkName, Topic<K, V> topic, Class<V> type, String... parents) {
        topology.addSink(sinkName, topic.name(), topic.keySerde().serializer(), cast(topic.valueSerde().serializer(), type), parents);
    }

    /** A sink node writing each record to the topic of the tenant {@code tenantOf} gives, of the kind {@code topics}. */
    public static <K, V> void addSink(Topology topology, String sinkName, TenantTopics<K, V> topics, Class<V> type,
                                      Function<V, TenantId> tenantOf, String... parents) {
        addSink(topology, sinkName, topics.keySerde(), topics.valueSerde(), type, value -> topics.name(tenantOf.apply(value)), parents);
    }

    /**
     * A sink node writing each record to the topic {@code topicName} names for it (a retry tier, a tenant's or the
     * platform's dead letters), every one of which has the serdes given. The name is worked out once per record.
     */
    public static <K, V> void addSink(Topology topology, String sinkName, Serde<K> keySerde, Serde<V> valueSerde, Class<V> type,
                                      Function<V, String> topicName, String... parents) {
        Objects.requireNonNull(topicName, "topicName");
        topology.addSink(sinkName, (K key, Object value, org.apache.kafka.streams.processor.RecordContext context) ->
                        topicName.apply(type.cast(value)),
                keySerde.serializer(), cast(valueSerde.serializer(), type), parents);
    }

    /**
     * A global store of {@code topic}, in memory and without a changelog (the topic is its changelog), kept by the
     * updaters {@code updater} supplies.
     */
    public static <V> void addGlobalStore(Topology topology, String storeName, String sourceName, Topic<String, V> topic,
                                          String updaterName, ProcessorSupplier<String, V, Void, Void> updater) {
        topology.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(storeName), topic.keySerde(),
                        topic.valueSerde()).withLoggingDisabled(),
                sourceName, topic.keySerde().deserializer(), topic.valueSerde().deserializer(), topic.name(), updaterName, updater);
    }

    /** The sinks of a Processor API node receive {@code Object}: checked against {@code type} before serializing. */
    private static <V> Serializer<Object> cast(Serializer<V> serializer, Class<V> type) {
        return (topic, value) -> serializer.serialize(topic, type.cast(value));
    }
}
