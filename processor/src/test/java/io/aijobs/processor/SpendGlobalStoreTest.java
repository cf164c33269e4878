package io.aijobs.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.application.StreamsTopics;
import io.aijobs.contracts.Topic;
import io.aijobs.schema.TenantSpend;
import io.aijobs.testing.DriverTopics;
import io.aijobs.testing.InMemoryTopics;
import java.time.Instant;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * The processor's global store of the tenants' spend, as {@link JobTopology} adds it: the latest spend per tenant, and a
 * skipped record leaves the spend in effect for its tenant (so a budget's hard limit is neither lifted nor imposed by it).
 */
class SpendGlobalStoreTest {

    private final Topic<String, TenantSpend> spendTopic = InMemoryTopics.defaults().tenantSpend();

    private TopologyTestDriver driver() {
        Topology topology = new Topology();
        StreamsTopics.addGlobalStore(topology, JobTopology.SPEND_STORE, "tenant-spend-source", spendTopic, "tenant-spend-updater",
                () -> new JobTopology.LatestValueUpdater<>(JobTopology.SPEND_STORE));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "spend-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        return new TopologyTestDriver(topology, props);
    }

    private static TenantSpend spend(String tenant, long spentNanos, boolean overHardLimit) {
        return TenantSpend.newBuilder().setTenantId(tenant).setPeriod("2026-11").setSpentNanos(spentNanos).setBudgetNanos(1_000L)
                .setHardLimitNanos(1_000L).setOverHardLimit(overHardLimit).setUpdatedAt(Instant.parse("2026-11-02T00:00:00Z")).build();
    }

    @Test
    void shouldKeepTheLastGoodSpendOfATenantWhenARecordOfItIsSkipped() {
        // the test driver skips an undecodable global record itself; PlatformRecordExceptionHandlerTest shows that the
        // applications' handler skips and counts one
        try (TopologyTestDriver driver = driver()) {
            TestInputTopic<String, TenantSpend> input = DriverTopics.input(driver, spendTopic);
            TestInputTopic<String, byte[]> raw = DriverTopics.rawInput(driver, spendTopic);
            input.pipeInput("acme", spend("acme", 1_200L, true));

            raw.pipeInput("acme", new byte[] {0, 0, 0, 0, 42, 1, 2, 3});
            input.pipeInput("initech", spend("initech", 10L, false));

            KeyValueStore<String, TenantSpend> store = driver.getKeyValueStore(JobTopology.SPEND_STORE);
            assertThat(store.get("acme").getOverHardLimit()).as("the last good spend stays in effect").isTrue();
            assertThat(store.get("acme").getSpentNanos()).isEqualTo(1_200L);
            assertThat(store.get("initech").getSpentNanos()).as("records after the skipped one are read").isEqualTo(10L);
        }
    }
}
