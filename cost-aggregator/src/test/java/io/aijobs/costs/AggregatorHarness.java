package io.aijobs.costs;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.Topic;
import io.aijobs.contracts.TopicNames;
import io.aijobs.contracts.Topics;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.testing.TestDeployment;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * An isolated deployment on the shared test stack ({@link TestDeployment}: own topic prefixes and topics), with the
 * aggregator's application id and state folder.
 */
final class AggregatorHarness {

    final StackEndpoints stack;
    final TestDeployment deployment;
    final String run;
    final TopicNames names;
    final Topics topics;
    final TenantId tenant = TenantId.of("acme");

    AggregatorHarness(StackEndpoints stack) throws Exception {
        this.stack = stack;
        this.deployment = new TestDeployment(stack, "ca", List.of(tenant));
        this.run = deployment.run();
        this.names = deployment.names();
        this.topics = deployment.topics();
    }

    Map<String, Object> aggregatorConfig(Map<String, Object> overrides) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(CostAggregatorConfig.APPLICATION_ID_CONFIG, "aggregator-it-" + run);
        props.put(CostAggregatorConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(CostAggregatorConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
        props.put(CostAggregatorConfig.AUTO_REGISTER_SCHEMAS_CONFIG, "true");
        props.put(CostAggregatorConfig.TENANT_TOPIC_PREFIX_CONFIG, names.tenantPrefix());
        props.put(CostAggregatorConfig.PLATFORM_TOPIC_PREFIX_CONFIG, names.platformPrefix());
        props.put(CostAggregatorConfig.EMIT_INTERVAL_MS_CONFIG, "500");
        props.put(CostAggregatorConfig.STREAMS_PREFIX + "state.dir", Files.createTempDirectory("aggregator-it-").toString());
        props.putAll(overrides);
        return props;
    }

    /** An idempotent producer of {@code topic} (see {@link TestDeployment#producer}). */
    <V> KafkaProducer<String, V> producer(Topic<String, V> topic) {
        return deployment.producer(topic);
    }

    /** Every record committed so far on {@code topic}, as read_committed sees them. */
    <V> List<ConsumerRecord<String, V>> committed(Topic<String, V> topic) {
        return deployment.committed(topic);
    }
}
