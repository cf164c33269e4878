package io.aijobs.testing;

import io.aijobs.contracts.Topic;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/** The test driver's input and output topics named by a {@link Topic}, with its serdes. */
public final class DriverTopics {

    private DriverTopics() {
    }

    public static <K, V> TestInputTopic<K, V> input(TopologyTestDriver driver, Topic<K, V> topic) {
        return driver.createInputTopic(topic.name(), topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    /** Raw value bytes into {@code topic}: undecodable records, or bytes encoded by another writer. */
    public static <K> TestInputTopic<K, byte[]> rawInput(TopologyTestDriver driver, Topic<K, ?> topic) {
        return driver.createInputTopic(topic.name(), topic.keySerde().serializer(), Serdes.ByteArray().serializer());
    }

    public static <K, V> TestOutputTopic<K, V> output(TopologyTestDriver driver, Topic<K, V> topic) {
        return driver.createOutputTopic(topic.name(), topic.keySerde().deserializer(), topic.valueSerde().deserializer());
    }
}
