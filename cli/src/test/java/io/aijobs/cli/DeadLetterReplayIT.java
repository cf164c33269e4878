package io.aijobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aijobs.contracts.TenantId;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.junit.DevStackExtension;
import io.aijobs.devstack.modelstub.Fault;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.processor.ProcessorApp;
import io.aijobs.processor.ProcessorConfig;
import io.aijobs.producer.JobPublisher;
import io.aijobs.producer.PublisherConfig;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobEventType;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import io.aijobs.testing.TestDeployment;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link DeadLetters} replay against a running processor: a replayed dead letter is answered once. */
@ExtendWith(DevStackExtension.class)
class DeadLetterReplayIT {

    private static final TenantId ACME = TenantId.of("acme");

    private ModelStub stub;

    @AfterEach
    void stopStub() {
        if (stub != null) {
            stub.close();
        }
    }

    @Test
    void shouldAnswerAReplayedDeadLetterOnceAfterTheCauseIsFixed(StackEndpoints stack) throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());
        TestDeployment deployment = new TestDeployment(stack, "dl", List.of(ACME));

        stub.failAllFor(Fault.INVALID_REQUEST, Duration.ofMinutes(5));
        try (ProcessorApp app = ProcessorApp.start(processorConfig(deployment));
             JobPublisher publisher = JobPublisher.create(toolConfig(deployment, Map.of(PublisherConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true,
                     "max.in.flight.requests.per.connection", 1)));
             DeadLetters deadLetters = new DeadLetters(toolConfig(deployment, Map.of()))) {
            publisher.publish(JobRequest.newBuilder().setJobId("r-1").setTenantId(ACME.value()).setModel("stub-model")
                    .setMessages(List.of(new ChatMessage("user", "Summarise job r-1")))
                    .setParameters(JobParameters.newBuilder().setMaxOutputTokens(32).build())
                    .setSubmittedAt(Instant.now()).build());
            publisher.flush();
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    !deadLetters.list(ACME, letter -> true, Duration.ofSeconds(30)).isEmpty());
            stub.recover();

            List<DeadLetters.DeadLetter> letters = deadLetters.list(ACME,
                    letter -> letter.failure().getCategory() == FailureCategory.PERMANENT, Duration.ofSeconds(30));
            assertThat(letters).singleElement().satisfies(letter -> assertThat(letter.key()).isEqualTo("r-1"));
            List<DeadLetters.Replayed> dryRun = deadLetters.replay(ACME, letters, true, Duration.ofSeconds(30));
            assertThat(dryRun).singleElement().satisfies(replayed -> assertThat(replayed.sent()).isFalse());
            // replayed twice: the second copy finds the job running or done, and is recorded as a DUPLICATE
            deadLetters.replay(ACME, letters, false, Duration.ofSeconds(30));
            deadLetters.replay(ACME, letters, false, Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(60)).until(() -> !deployment.committed(deployment.topics().results(ACME)).isEmpty()
                    && deployment.committed(deployment.topics().jobEvents()).stream()
                    .anyMatch(event -> event.value().getJobId().equals("r-1") && event.value().getType() == JobEventType.DUPLICATE));
        }

        // read after the processor closed, with both copies processed: a second result would be here
        assertThat(deployment.committedValues(deployment.topics().results(ACME))).singleElement().satisfies(result -> {
            assertThat(result.getJobId()).isEqualTo("r-1");
            assertThat(result.getAttempts()).isEqualTo(2);
        });
        // the failed call r-1-1 and the replay's call r-1-2, once each
        assertThat(stub.callsByIdempotencyKey()).containsExactlyInAnyOrderEntriesOf(Map.of("r-1-1", 1, "r-1-2", 1));
        assertThat(deployment.committed(deployment.topics().deadLetter(ACME))).hasSize(1);
    }

    private Map<String, Object> processorConfig(TestDeployment deployment) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(ProcessorConfig.APPLICATION_ID_CONFIG, "processor-dl-it-" + deployment.run());
        props.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, deployment.stack().bootstrapServers());
        props.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, deployment.stack().schemaRegistryUrl());
        props.put(ProcessorConfig.AUTO_REGISTER_SCHEMAS_CONFIG, "true");
        props.put(ProcessorConfig.TENANT_TOPIC_PREFIX_CONFIG, deployment.names().tenantPrefix());
        props.put(ProcessorConfig.PLATFORM_TOPIC_PREFIX_CONFIG, deployment.names().platformPrefix());
        props.put(ProcessorConfig.MODEL_BASE_URL_CONFIG, stub.baseUrl());
        props.put(ProcessorConfig.PRICING_MODELS_CONFIG, "stub-model=1.00:2.00");
        props.put(ProcessorConfig.TENANT_DISCOVERY_INTERVAL_MS_CONFIG, "2000");
        props.put(ProcessorConfig.STREAMS_PREFIX + "state.dir", Files.createTempDirectory("processor-dl-it-").toString());
        props.put(ProcessorConfig.STREAMS_PREFIX + "consumer.session.timeout.ms", "10000");
        return props;
    }

    /** {@link PublisherConfig} settings of the deployment (publisher, dead letters), then {@code extra}. */
    private static Map<String, Object> toolConfig(TestDeployment deployment, Map<String, Object> extra) {
        Map<String, Object> config = new HashMap<>(Map.of(PublisherConfig.BOOTSTRAP_SERVERS_CONFIG, deployment.stack().bootstrapServers(),
                PublisherConfig.SCHEMA_REGISTRY_URL_CONFIG, deployment.stack().schemaRegistryUrl(),
                PublisherConfig.TENANT_TOPIC_PREFIX_CONFIG, deployment.names().tenantPrefix(),
                PublisherConfig.PLATFORM_TOPIC_PREFIX_CONFIG, deployment.names().platformPrefix()));
        config.putAll(extra);
        return config;
    }
}
