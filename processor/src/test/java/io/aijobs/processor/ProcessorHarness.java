package io.aijobs.processor;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.Topic;
import io.aijobs.contracts.TopicNames;
import io.aijobs.contracts.Topics;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.producer.JobPublisher;
import io.aijobs.producer.PublisherConfig;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.testing.TestDeployment;
import java.nio.file.Files;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One isolated processor deployment on the shared test stack ({@link TestDeployment}: its own topic prefixes, so no
 * other test's tenants match its pattern), with its application id, tenant and state folders.
 */
final class ProcessorHarness {

    final StackEndpoints stack;
    final TestDeployment deployment;
    final String run;
    final TopicNames names;
    final Topics topics;
    final TenantId tenant = TenantId.of("acme");

    ProcessorHarness(StackEndpoints stack) throws Exception {
        this.stack = stack;
        this.deployment = new TestDeployment(stack, "it", List.of(tenant));
        this.run = deployment.run();
        this.names = deployment.names();
        this.topics = deployment.topics();
    }

    Map<String, Object> config(String modelBaseUrl, Map<String, Object> overrides) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(ProcessorConfig.APPLICATION_ID_CONFIG, "processor-it-" + run);
        props.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
        props.put(ProcessorConfig.AUTO_REGISTER_SCHEMAS_CONFIG, "true");
        props.put(ProcessorConfig.TENANT_TOPIC_PREFIX_CONFIG, names.tenantPrefix());
        props.put(ProcessorConfig.PLATFORM_TOPIC_PREFIX_CONFIG, names.platformPrefix());
        props.put(ProcessorConfig.MODEL_BASE_URL_CONFIG, modelBaseUrl);
        props.put(ProcessorConfig.PRICING_MODELS_CONFIG, "stub-model=1.00:2.00");
        props.put(ProcessorConfig.TENANT_DISCOVERY_INTERVAL_MS_CONFIG, "2000");
        props.put(ProcessorConfig.STREAMS_PREFIX + "state.dir", Files.createTempDirectory("processor-it-").toString());
        props.put(ProcessorConfig.STREAMS_PREFIX + "consumer.session.timeout.ms", "10000");
        // on a secure stack: the super user's Kafka security reaches every client Streams makes, the operator's registry login
        stack.adminSecurity().forEach((key, value) -> props.put(ProcessorConfig.STREAMS_PREFIX + key, value));
        props.putAll(stack.registryAdmin());
        props.putAll(overrides);
        return props;
    }

    JobPublisher publisher() {
        Map<String, Object> config = new HashMap<>(stack.adminSecurity());
        config.putAll(stack.registryAdmin());
        config.putAll(Map.of(
                PublisherConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                PublisherConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl(),
                PublisherConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true,
                PublisherConfig.TENANT_TOPIC_PREFIX_CONFIG, names.tenantPrefix(),
                PublisherConfig.PLATFORM_TOPIC_PREFIX_CONFIG, names.platformPrefix(),
                // see TopicReadiness: one batch in flight per partition keeps a retried first batch in order
                "max.in.flight.requests.per.connection", 1));
        return JobPublisher.create(config);
    }

    JobRequest job(String jobId) {
        return JobRequest.newBuilder().setJobId(jobId).setTenantId(tenant.value()).setModel("stub-model")
                .setMessages(List.of(new ChatMessage("user", "Summarise job " + jobId)))
                .setParameters(JobParameters.newBuilder().setMaxOutputTokens(32).build())
                .setSubmittedAt(Instant.now()).build();
    }

    /** Every result committed so far, as a {@code read_committed} consumer sees it. */
    List<JobResult> committedResults() {
        return deployment.committedValues(topics.results(tenant));
    }

    /** Every record committed so far on {@code topic}, as a {@code read_committed} consumer sees it. */
    <V> List<ConsumerRecord<String, V>> committed(Topic<String, V> topic) {
        return deployment.committed(topic);
    }
}
