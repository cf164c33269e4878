package io.aijobs.processor.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.contracts.TopicCatalog;
import io.aijobs.contracts.Topics;
import io.aijobs.schema.ResponseCacheEntry;
import io.aijobs.testing.DriverTopics;
import io.aijobs.testing.InMemoryTopics;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The response cache's global store on TopologyTestDriver: fed from its topic, held within its bounds. */
class ResponseCacheStoreTest {

    @TempDir
    Path stateDir;

    private final Topics topics = InMemoryTopics.of(TopicCatalog.defaults());
    private TopologyTestDriver driver;

    @AfterEach
    void stop() {
        driver.close();
    }

    private TestInputTopic<String, ResponseCacheEntry> start(int maxEntries, long maxBytes) {
        Topology topology = new Topology();
        ResponseCacheStore.addTo(topology, topics.responseCache(), maxEntries, maxBytes);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "cache-store-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(topology, props);
        return DriverTopics.input(driver, topics.responseCache());
    }

    private static ResponseCacheEntry entry(String hash, String output) {
        return ResponseCacheEntry.newBuilder().setTenantId("acme").setRequestHash(hash).setModel("m").setAnsweredBy("m")
                .setOutput(output).setFinishReason("stop").setInputTokens(1).setOutputTokens(1).setSourceJobId("j-" + hash)
                .setCreatedAt(Instant.EPOCH).build();
    }

    private List<String> keys() {
        KeyValueStore<String, ResponseCacheEntry> store = driver.getKeyValueStore(ResponseCacheStore.STORE);
        List<String> keys = new ArrayList<>();
        try (var all = store.all()) {
            all.forEachRemaining(entry -> keys.add(entry.key));
        }
        return keys;
    }

    @Test
    void shouldHoldTheNewestEntriesWithinTheEntryBoundAndDropATombstonedOne() {
        TestInputTopic<String, ResponseCacheEntry> topic = start(3, 1_000_000);
        for (String hash : List.of("a", "b", "c", "d")) {
            topic.pipeInput("acme/" + hash, entry(hash, "answer " + hash));
        }
        assertThat(keys()).containsExactly("acme/b", "acme/c", "acme/d");

        topic.pipeInput("acme/c", null);

        assertThat(keys()).containsExactly("acme/b", "acme/d");
    }

    @Test
    void shouldEvictTheOldestEntriesWhenANewOneTakesTheStorePastItsBytes() {
        // each entry: 2 bytes per character of its key and text, plus 128
        ResponseCacheEntry small = entry("a", "x");
        long smallSize = ResponseCacheStore.size("acme/a", small);
        TestInputTopic<String, ResponseCacheEntry> topic = start(100, 3 * smallSize);
        topic.pipeInput("acme/a", small);
        topic.pipeInput("acme/b", entry("b", "x"));
        topic.pipeInput("acme/c", entry("c", "x"));
        assertThat(keys()).hasSize(3);

        topic.pipeInput("acme/d", entry("d", "x".repeat(50)));

        assertThat(keys()).containsExactly("acme/c", "acme/d");
    }

    @Test
    void shouldHoldTheBoundsOverWhatARestoreWroteAroundTheUpdaterKeepingTheNewest() {
        start(3, 1_000_000);
        org.apache.kafka.streams.processor.api.MockProcessorContext<Void, Void> context =
                new org.apache.kafka.streams.processor.api.MockProcessorContext<>();
        KeyValueStore<String, ResponseCacheEntry> store = org.apache.kafka.streams.state.Stores.keyValueStoreBuilder(
                org.apache.kafka.streams.state.Stores.inMemoryKeyValueStore(ResponseCacheStore.STORE),
                org.apache.kafka.common.serialization.Serdes.String(), topics.responseCache().valueSerde()).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        // keys in the opposite order of their age: e is the oldest, a the newest
        List<String> hashes = List.of("a", "b", "c", "d", "e");
        for (int i = 0; i < hashes.size(); i++) {
            ResponseCacheEntry entry = entry(hashes.get(i), "x");
            entry.setCreatedAt(Instant.EPOCH.plusSeconds(100 - i));
            store.put("acme/" + hashes.get(i), entry);
        }

        new ResponseCacheStore.Updater(new CacheBudget(3, 1_000_000)).init(context);

        List<String> kept = new ArrayList<>();
        try (var all = store.all()) {
            all.forEachRemaining(entry -> kept.add(entry.key));
        }
        assertThat(kept).containsExactly("acme/a", "acme/b", "acme/c");
    }
}
