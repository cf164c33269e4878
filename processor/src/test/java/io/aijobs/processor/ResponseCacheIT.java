package io.aijobs.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aijobs.contracts.TenantId;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.junit.DevStackExtension;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.producer.JobPublisher;
import io.aijobs.producer.PublisherConfig;
import io.aijobs.schema.CallOutcome;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.ModelCallUsage;
import io.aijobs.schema.TenantPolicy;
import io.aijobs.testing.TestDeployment;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The tenants' response caches on a real broker and registry, with the processor restarted between the asks. */
@ExtendWith(DevStackExtension.class)
class ResponseCacheIT {

    private static final TenantId ACME = TenantId.of("acme");
    private static final TenantId GLOBEX = TenantId.of("globex");

    @Test
    void shouldAnswerARepeatedQuestionFromItsTenantsCacheAfterARestartButNeverFromAnotherTenants(StackEndpoints stack) throws Exception {
        TestDeployment deployment = new TestDeployment(stack, "cache", List.of(ACME, GLOBEX));
        try (KafkaProducer<String, TenantPolicy> policies = deployment.producer(deployment.topics().tenantPolicies())) {
            for (TenantId tenant : List.of(ACME, GLOBEX)) {
                policies.send(new ProducerRecord<>(deployment.names().tenantPolicies(), tenant.value(), TenantPolicy.newBuilder()
                        .setTenantId(tenant.value()).setRetentionMs(Duration.ofDays(7).toMillis())
                        .setResponseCacheTtlMs(Duration.ofHours(1).toMillis()).setUpdatedAt(Instant.now()).build())).get();
            }
        }
        Map<String, Object> config = config(deployment);

        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults());
             JobPublisher publisher = publisher(deployment)) {
            config.put(ProcessorConfig.MODEL_BASE_URL_CONFIG, stub.baseUrl());
            try (ProcessorApp processor = ProcessorApp.start(config)) {
                publisher.publish(question(ACME, "a-1"));
                publisher.flush();
                await().atMost(Duration.ofSeconds(90)).until(() -> results(deployment, ACME).size() == 1);
            }
            // a new instance (its global store rebuilt from the topic) answers the same question again
            config.put(ProcessorConfig.STREAMS_PREFIX + "state.dir", Files.createTempDirectory("processor-cache-it-").toString());
            try (ProcessorApp processor = ProcessorApp.start(config)) {
                publisher.publish(question(ACME, "a-2"));
                publisher.publish(question(GLOBEX, "g-1"));
                publisher.flush();
                await().atMost(Duration.ofSeconds(90)).until(() -> results(deployment, ACME).size() == 2
                        && results(deployment, GLOBEX).size() == 1);
            }

            Map<String, JobResult> acme = results(deployment, ACME);
            assertThat(acme.get("a-1").getCached()).isFalse();
            assertThat(acme.get("a-2").getCached()).isTrue();
            assertThat(acme.get("a-2").getCachedFrom()).isEqualTo("a-1");
            assertThat(acme.get("a-2").getOutput()).isEqualTo(acme.get("a-1").getOutput());
            assertThat(acme.get("a-2").getCost().getAmountNanos()).isZero();
            assertThat(acme.get("a-2").getSavedCost().getAmountNanos()).isEqualTo(acme.get("a-1").getCost().getAmountNanos()).isPositive();
            JobResult globex = results(deployment, GLOBEX).get("g-1");
            assertThat(globex.getCached()).as("the same question from another tenant").isFalse();
            assertThat(stub.callsByIdempotencyKey()).as("paid calls").containsOnlyKeys("a-1-1", "g-1-1");
            List<ModelCallUsage> usage = deployment.committedValues(deployment.topics().usage());
            assertThat(usage).extracting(ModelCallUsage::getJobId, ModelCallUsage::getOutcome).containsExactlyInAnyOrder(
                    org.assertj.core.groups.Tuple.tuple("a-1", CallOutcome.SUCCESS), org.assertj.core.groups.Tuple.tuple("a-2", CallOutcome.CACHE_HIT),
                    org.assertj.core.groups.Tuple.tuple("g-1", CallOutcome.SUCCESS));
            assertThat(deployment.committed(deployment.topics().responseCache())).extracting(record -> record.key().split("/")[0])
                    .as("one entry per tenant's call, under its tenant").containsExactlyInAnyOrder("acme", "globex");
        }
    }

    private static JobRequest question(TenantId tenant, String jobId) {
        return JobRequest.newBuilder().setJobId(jobId).setTenantId(tenant.value()).setModel("stub-model")
                .setMessages(List.of(new ChatMessage("system", "Answer in one word."), new ChatMessage("user", "Is Kafka a log?")))
                .setParameters(JobParameters.newBuilder().setTemperature(0.0).setMaxOutputTokens(32).build())
                .setSubmittedAt(Instant.now()).build();
    }

    private static Map<String, JobResult> results(TestDeployment deployment, TenantId tenant) {
        return deployment.committedValues(deployment.topics().results(tenant)).stream()
                .collect(Collectors.toMap(JobResult::getJobId, result -> result, (first, second) -> {
                    throw new AssertionError("two results for job " + first.getJobId());
                }));
    }

    private static Map<String, Object> config(TestDeployment deployment) throws Exception {
        StackEndpoints stack = deployment.stack();
        Map<String, Object> props = new HashMap<>();
        props.put(ProcessorConfig.APPLICATION_ID_CONFIG, "processor-cache-it-" + deployment.run());
        props.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
        props.put(ProcessorConfig.AUTO_REGISTER_SCHEMAS_CONFIG, "true");
        props.put(ProcessorConfig.TENANT_TOPIC_PREFIX_CONFIG, deployment.names().tenantPrefix());
        props.put(ProcessorConfig.PLATFORM_TOPIC_PREFIX_CONFIG, deployment.names().platformPrefix());
        props.put(ProcessorConfig.PRICING_MODELS_CONFIG, "stub-model=1.00:2.00");
        props.put(ProcessorConfig.TENANT_DISCOVERY_INTERVAL_MS_CONFIG, "2000");
        props.put(ProcessorConfig.STREAMS_PREFIX + "state.dir", Files.createTempDirectory("processor-cache-it-").toString());
        props.put(ProcessorConfig.STREAMS_PREFIX + "consumer.session.timeout.ms", "10000");
        return props;
    }

    private static JobPublisher publisher(TestDeployment deployment) {
        return JobPublisher.create(Map.of(PublisherConfig.BOOTSTRAP_SERVERS_CONFIG, deployment.stack().bootstrapServers(),
                PublisherConfig.SCHEMA_REGISTRY_URL_CONFIG, deployment.stack().schemaRegistryUrl(), PublisherConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true,
                PublisherConfig.TENANT_TOPIC_PREFIX_CONFIG, deployment.names().tenantPrefix(),
                PublisherConfig.PLATFORM_TOPIC_PREFIX_CONFIG, deployment.names().platformPrefix(),
                "max.in.flight.requests.per.connection", 1));
    }
}
