package io.aijobs.application;

import io.aijobs.contracts.Topic;
import io.aijobs.testing.DriverTopics;
import io.aijobs.testing.InMemoryTopics;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.pricing.PriceBook;
import io.aijobs.schema.ModelPrice;
import java.time.Instant;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * The prices global store as both applications add it: it follows the prices topic into a {@link PriceBook}, and a
 * skipped record leaves the value in effect for its key.
 */
class PricesGlobalStoreTest {

    private static final Instant FROM = Instant.parse("2026-11-01T00:00:00Z");

    private final Topic<String, ModelPrice> pricesTopic = InMemoryTopics.defaults().prices();
    private final PriceBook book = PriceBook.empty();

    private TopologyTestDriver driver() {
        Topology topology = new Topology();
        PricesGlobalStore.addTo(topology, pricesTopic, book);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "prices-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        return new TopologyTestDriver(topology, props);
    }

    private static ModelPrice price(String model, String input) {
        return ModelPrice.newBuilder().setModel(model).setEffectiveFrom(FROM).setInputPerMillion(input).setOutputPerMillion("0.60")
                .setVersion("v1").build();
    }

    @Test
    void shouldFollowThePricesTopicIntoTheStoreAndTheBookAndRemoveOnATombstone() {
        try (TopologyTestDriver driver = driver()) {
            TestInputTopic<String, ModelPrice> prices = DriverTopics.input(driver, pricesTopic);
            prices.pipeInput("a@" + FROM, price("a", "0.15"));
            prices.pipeInput("b@" + FROM, price("b", "0.30"));
            prices.pipeInput("b@" + FROM, null);

            KeyValueStore<String, ModelPrice> store = driver.getKeyValueStore(PricesGlobalStore.STORE);
            assertThat(store.get("a@" + FROM).getInputPerMillion()).isEqualTo("0.15");
            assertThat(store.get("b@" + FROM)).isNull();
            assertThat(book.at("a", FROM)).isPresent();
            assertThat(book.at("b", FROM)).isEmpty();
        }
    }

    @Test
    void shouldKeepTheLastGoodPriceOfAKeyWhenARecordOfItIsSkipped() {
        // the test driver skips an undecodable global record itself; PlatformRecordExceptionHandlerTest and
        // CostAggregatorIT show that the applications' handler skips and counts it on a real broker
        try (TopologyTestDriver driver = driver()) {
            TestInputTopic<String, ModelPrice> prices = DriverTopics.input(driver, pricesTopic);
            TestInputTopic<String, byte[]> raw = DriverTopics.rawInput(driver, pricesTopic);
            prices.pipeInput("a@" + FROM, price("a", "0.15"));

            raw.pipeInput("a@" + FROM, new byte[] {0, 0, 0, 0, 42, 1, 2, 3});
            prices.pipeInput("c@" + FROM, price("c", "1.00"));

            KeyValueStore<String, ModelPrice> store = driver.getKeyValueStore(PricesGlobalStore.STORE);
            assertThat(store.get("a@" + FROM).getInputPerMillion()).as("the last good price stays in effect").isEqualTo("0.15");
            assertThat(book.at("a", FROM).orElseThrow().source().getInputPerMillion()).isEqualTo("0.15");
            assertThat(store.get("c@" + FROM).getInputPerMillion()).as("records after the skipped one are read").isEqualTo("1.00");
        }
    }
}
