package io.aijobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TraceContext;
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

/** {@code ./aijobs trace} on a real broker and registry, after a real processor ran the jobs against the model stub. */
@ExtendWith(DevStackExtension.class)
class TraceCommandIT {

    private static final TenantId ACME = TenantId.of("acme");
    private ModelStub stub;

    @AfterEach
    void stopStub() {
        if (stub != null) {
            stub.close();
        }
    }

    private static JobRequest job(String jobId, String content) {
        return JobRequest.newBuilder().setJobId(jobId).setTenantId(ACME.value()).setModel("stub-model")
                .setMessages(List.of(new ChatMessage("user", content)))
                .setParameters(JobParameters.newBuilder().setMaxOutputTokens(32).build())
                .setSubmittedAt(Instant.now()).build();
    }

    @Test
    void shouldPrintTheTimelineOfAJobThatRetriedThenSucceededFollowedWhileInProgressAndOfOneThatWasDeadLettered(StackEndpoints stack)
            throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());
        TestDeployment deployment = new TestDeployment(stack, "trace", List.of(ACME));
        TraceContext trace = new TraceContext("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", null);

        // every call fails until ok-1's first attempt has: its retry (2.5 s later) succeeds
        stub.failAllFor(Fault.SERVER_ERROR, Duration.ofMinutes(5));
        try (ProcessorApp app = ProcessorApp.start(processorConfig(deployment));
             JobPublisher publisher = JobPublisher.create(Map.of(PublisherConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                     PublisherConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl(), PublisherConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true,
                     PublisherConfig.TENANT_TOPIC_PREFIX_CONFIG, deployment.names().tenantPrefix(),
                     PublisherConfig.PLATFORM_TOPIC_PREFIX_CONFIG, deployment.names().platformPrefix(),
                     "max.in.flight.requests.per.connection", 1))) {
            publisher.publish(job("ok-1", "Summarise the ticket"), trace);
            publisher.flush();
            await().atMost(Duration.ofSeconds(60)).until(() -> stub.callsByIdempotencyKey().containsKey("ok-1-1"));
            // followed from here: ok-1 waits to retry, and ends only after the stub recovers
            java.util.concurrent.CompletableFuture<CliRun> followed = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                    CliRun.of(withWait(withFollow(trace(stack, deployment, "ok-1")), "PT60S")));
            // still following a job in progress: not done at any poll for a whole second (bounded at 3 s)
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> !followed.isDone());
            stub.recover();
            CliRun follow = followed.get(90, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(follow.exitCode()).as(follow.err()).isZero();
            assertThat(follow.out()).containsSubsequence("attempt 2 ended: SUCCESS", "result written", "from submission to result");
            publisher.publish(job("bad-1", "[[stub:invalid_request]] Summarise the ticket"));
            publisher.flush();
            await().atMost(Duration.ofSeconds(90)).until(() -> deployment.committed(deployment.topics().results(ACME)).size() == 1
                    && deployment.committed(deployment.topics().deadLetter(ACME)).size() == 1);
        }

        CliRun ok = CliRun.of(trace(stack, deployment, "ok-1"));
        assertThat(ok.exitCode()).as(ok.err()).isZero();
        assertThat(ok.out()).containsSubsequence(
                "Job ok-1 of tenant acme, trace " + trace.traceId(),
                "submitted",
                "received, attempt 1 started",
                "attempt 1 ended: SERVER_ERROR, HTTP 500",
                "retry wait: TRANSIENT, http_500; attempt 2 of",
                "attempt 2 started",
                "attempt 2 ended: SUCCESS, HTTP 200",
                "result written",
                "Total: ",
                "from submission to result; 2 call(s), cost ");

        System.out.println("./aijobs trace ok-1 --tenant acme\n" + ok.out());
        CliRun bad = CliRun.of(trace(stack, deployment, "bad-1"));
        assertThat(bad.exitCode()).as(bad.err()).isZero();
        assertThat(bad.out()).containsSubsequence("Job bad-1 of tenant acme", "attempt 1 ended: INVALID_REQUEST, HTTP 400",
                "dead-lettered: PERMANENT", "from submission to dead letter; 1 call(s)");
        System.out.println("./aijobs trace bad-1 --tenant acme\n" + bad.out());

        long started = System.nanoTime();
        CliRun unknown = CliRun.of(withWait(trace(stack, deployment, "never-sent"), "PT2S"));
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).contains("No job never-sent of tenant acme in " + deployment.names().jobEvents() + " (waited PT2S)");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the wait is bounded").isLessThan(Duration.ofSeconds(30));
    }

    private static String[] trace(StackEndpoints stack, TestDeployment deployment, String jobId) {
        return new String[] {"trace", jobId, "--tenant", ACME.value(), "--bootstrap-servers", stack.bootstrapServers(),
                "--registry-url", stack.schemaRegistryUrl(), "--tenant-topic-prefix", deployment.names().tenantPrefix(),
                "--platform-topic-prefix", deployment.names().platformPrefix()};
    }

    private static String[] withFollow(String[] args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = "--follow";
        return all;
    }

    private static String[] withWait(String[] args, String wait) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--wait";
        all[args.length + 1] = wait;
        return all;
    }

    private Map<String, Object> processorConfig(TestDeployment deployment) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(ProcessorConfig.APPLICATION_ID_CONFIG, "processor-trace-it-" + deployment.run());
        props.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, deployment.stack().bootstrapServers());
        props.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, deployment.stack().schemaRegistryUrl());
        props.put(ProcessorConfig.AUTO_REGISTER_SCHEMAS_CONFIG, "true");
        props.put(ProcessorConfig.TENANT_TOPIC_PREFIX_CONFIG, deployment.names().tenantPrefix());
        props.put(ProcessorConfig.PLATFORM_TOPIC_PREFIX_CONFIG, deployment.names().platformPrefix());
        props.put(ProcessorConfig.MODEL_BASE_URL_CONFIG, stub.baseUrl());
        props.put(ProcessorConfig.PRICING_MODELS_CONFIG, "stub-model=1.00:2.00");
        props.put(ProcessorConfig.TENANT_DISCOVERY_INTERVAL_MS_CONFIG, "2000");
        props.put("retry.transient.backoff.initial.ms", "2500");
        props.put(ProcessorConfig.STREAMS_PREFIX + "state.dir", Files.createTempDirectory("processor-trace-it-").toString());
        props.put(ProcessorConfig.STREAMS_PREFIX + "consumer.session.timeout.ms", "10000");
        return props;
    }
}
