package io.aijobs.application;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TenantTopics;
import io.aijobs.contracts.Topic;
import java.util.Objects;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
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
    public static <V> void addSink(Topology topology, String sinkName, TenantTopics<String, V> topics, Class<V> type,
                                   Function<V, TenantId> tenantOf, String... parents) {
        addSink(topology, sinkName, type, value -> topics.of(tenantOf.apply(value)), parents);
    }

    /**
     * A sink node writing each record to the topic {@code topicOf} chooses for it (a retry tier, a tenant's or the
     * platform's dead letters), with that topic's value serde. Keys are strings on every platform topic.
     */
    public static <V> void addSink(Topology topology, String sinkName, Class<V> type, Function<V, Topic<String, V>> topicOf,
                                   String... parents) {
        Objects.requireNonNull(topicOf, "topicOf");
        topology.addSink(sinkName, (String key, Object value, org.apache.kafka.streams.processor.RecordContext context) ->
                        topicOf.apply(type.cast(value)).name(),
                Serdes.String().serializer(), (String topic, Object value) -> {
                    V typed = type.cast(value);
                    return topicOf.apply(typed).valueSerde().serializer().serialize(topic, typed);
                }, parents);
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
