package io.aijobs.application;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.contracts.Topic;
import io.aijobs.schema.TenantPolicy;
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
 * The tenant policies global store as both applications add it: it follows the policies topic into the store and the
 * view, moves the view's version on every change, and a skipped record leaves the policy in effect for its tenant.
 */
class TenantPoliciesGlobalStoreTest {

    private final Topic<String, TenantPolicy> policiesTopic = InMemoryTopics.defaults().tenantPolicies();
    private TenantPoliciesGlobalStore.Policies policies;

    private TopologyTestDriver driver() {
        Topology topology = new Topology();
        policies = TenantPoliciesGlobalStore.addTo(topology, policiesTopic);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "policies-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        return new TopologyTestDriver(topology, props);
    }

    private static TenantPolicy policy(String tenant, long budgetNanos) {
        return TenantPolicy.newBuilder().setTenantId(tenant).setMonthlyBudgetNanos(budgetNanos).setRetentionMs(86_400_000L)
                .setUpdatedAt(Instant.parse("2026-11-01T00:00:00Z")).build();
    }

    @Test
    void shouldFollowThePoliciesTopicIntoTheStoreAndTheViewAndRemoveOnATombstone() {
        try (TopologyTestDriver driver = driver()) {
            TestInputTopic<String, TenantPolicy> input = DriverTopics.input(driver, policiesTopic);
            long before = policies.version();
            input.pipeInput("acme", policy("acme", 100));
            input.pipeInput("globex", policy("globex", 200));
            input.pipeInput("globex", null);

            KeyValueStore<String, TenantPolicy> store = driver.getKeyValueStore(TenantPoliciesGlobalStore.STORE);
            assertThat(store.get("acme").getMonthlyBudgetNanos()).isEqualTo(100L);
            assertThat(store.get("globex")).isNull();
            assertThat(policies.get("acme").getMonthlyBudgetNanos()).isEqualTo(100L);
            assertThat(policies.get("globex")).isNull();
            assertThat(policies.version()).as("one version per change").isEqualTo(before + 3);
        }
    }

    @Test
    void shouldKeepTheLastGoodPolicyOfATenantWhenARecordOfItIsSkipped() {
        // the test driver skips an undecodable global record itself; PlatformRecordExceptionHandlerTest shows that the
        // applications' handler skips and counts one
        try (TopologyTestDriver driver = driver()) {
            TestInputTopic<String, TenantPolicy> input = DriverTopics.input(driver, policiesTopic);
            TestInputTopic<String, byte[]> raw = DriverTopics.rawInput(driver, policiesTopic);
            input.pipeInput("acme", policy("acme", 100));

            raw.pipeInput("acme", new byte[] {0, 0, 0, 0, 42, 1, 2, 3});
            input.pipeInput("initech", policy("initech", 300));

            KeyValueStore<String, TenantPolicy> store = driver.getKeyValueStore(TenantPoliciesGlobalStore.STORE);
            assertThat(store.get("acme").getMonthlyBudgetNanos()).as("the last good policy stays in effect").isEqualTo(100L);
            assertThat(policies.get("acme").getMonthlyBudgetNanos()).isEqualTo(100L);
            assertThat(store.get("initech").getMonthlyBudgetNanos()).as("records after the skipped one are read").isEqualTo(300L);
        }
    }
}
