package io.aijobs.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.junit.DevStackExtension;
import io.aijobs.devstack.modelstub.LatencyDistribution;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.producer.JobPublisher;
import io.aijobs.schema.JobResult;
import io.aijobs.application.RunMarker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The processor on a real broker and registry, calling the model stub over HTTP. */
@ExtendWith(DevStackExtension.class)
class ProcessorIT {

    private ModelStub stub;

    @AfterEach
    void stopStub() {
        if (stub != null) {
            stub.close();
        }
    }

    @Test
    void shouldContinueAPublishedJobsTraceIntoTheModelCallAndOntoItsResult(StackEndpoints stack) throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());
        ProcessorHarness harness = new ProcessorHarness(stack);
        io.aijobs.contracts.TraceContext trace = new io.aijobs.contracts.TraceContext(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "vendor=abc");
        try (ProcessorApp app = ProcessorApp.start(harness.config(stub.baseUrl(), Map.of()));
             JobPublisher publisher = harness.publisher()) {
            publisher.publish(harness.job("traced-1"), trace);
            publisher.publish(harness.job("untraced-1"));
            publisher.flush();
            await().atMost(Duration.ofSeconds(120)).until(() -> harness.committedResults().size() >= 2);
        }

        // the stub recorded the traceparent each call came with: the job's trace, the call's own span
        String sent = stub.traceparentByIdempotencyKey().get("traced-1-1");
        assertThat(sent).startsWith("00-" + trace.traceId() + "-").doesNotContain("00f067aa0ba902b7");
        assertThat(stub.traceparentByIdempotencyKey().get("untraced-1-1")).as("a job without a trace starts one").matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
                .doesNotContain(trace.traceId());
        var results = harness.committed(harness.topics.results(harness.tenant));
        var traced = results.stream().filter(record -> record.key().equals("traced-1")).findFirst().orElseThrow();
        String onResult = new String(traced.headers().lastHeader(io.aijobs.contracts.JobHeaders.TRACEPARENT).value(),
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(onResult).startsWith("00-" + trace.traceId() + "-").isNotEqualTo(sent);
        assertThat(new String(traced.headers().lastHeader(io.aijobs.contracts.JobHeaders.TRACESTATE).value(),
                java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("vendor=abc");
    }

    @Test
    void shouldAnswerEachDistinctJobOnceAndCallTheModelOnceWhenTenPercentAreResubmitted(StackEndpoints stack) throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Uniform(20, 120)));
        ProcessorHarness harness = new ProcessorHarness(stack);
        int jobs = 300;

        try (ProcessorApp app = ProcessorApp.start(harness.config(stub.baseUrl(), Map.of()));
             JobPublisher publisher = harness.publisher()) {
            for (int i = 0; i < jobs; i++) {
                publisher.publish(harness.job("job-" + i));
                if (i % 10 == 9) {
                    publisher.publish(harness.job("job-" + (i - 5)));
                }
            }
            publisher.flush();
            await().atMost(Duration.ofSeconds(120)).until(() -> harness.committedResults().size() >= jobs);
        }

        // read after the processor closed: whatever it wrote, a late duplicate included, is in the topic by now
        List<JobResult> results = harness.committedResults();
        assertThat(results).hasSize(jobs);
        assertThat(results).extracting(JobResult::getJobId).doesNotHaveDuplicates();
        assertThat(results).allSatisfy(result -> {
            assertThat(result.getCost().getPriced()).isTrue();
            assertThat(result.getCost().getAmountNanos()).isPositive();
        });
        assertThat(stub.callsByIdempotencyKey()).hasSize(jobs).allSatisfy((key, calls) -> assertThat(calls).isEqualTo(1));
    }

    @Test
    void shouldLeaveTheConsumerGroupOnCloseInsteadOfWaitingForTheSessionTimeout(StackEndpoints stack) throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());
        ProcessorHarness harness = new ProcessorHarness(stack);
        Map<String, Object> config = harness.config(stub.baseUrl(),
                Map.of(ProcessorConfig.STREAMS_PREFIX + "consumer.session.timeout.ms", "45000"));
        String group = (String) config.get(ProcessorConfig.APPLICATION_ID_CONFIG);

        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            ProcessorApp app = ProcessorApp.start(config);
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> app.streams().state() == KafkaStreams.State.RUNNING
                        && !members(admin, group).isEmpty());
            } finally {
                app.close();
            }

            // a member that did not leave would stay until its 45 s session timeout
            await().atMost(Duration.ofSeconds(5)).until(() -> members(admin, group).isEmpty());
        }
    }

    @Test
    void shouldDeleteLocalStateAtStartOnlyAfterARunThatDidNotClose(StackEndpoints stack) throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());
        ProcessorHarness harness = new ProcessorHarness(stack);
        Map<String, Object> config = harness.config(stub.baseUrl(), Map.of());
        Path folder = Path.of((String) config.get(ProcessorConfig.STREAMS_PREFIX + "state.dir"),
                (String) config.get(ProcessorConfig.APPLICATION_ID_CONFIG));
        Path marker = folder.resolve(RunMarker.FILE_NAME);

        runUntilRunning(config, () -> assertThat(marker).as("the marker, while it runs").exists());
        assertThat(marker).as("the marker, after a clean close").doesNotExist();
        Path sentinel;
        try (Stream<Path> entries = Files.list(folder)) {
            Path task = entries.filter(path -> Files.isDirectory(path) && path.getFileName().toString().matches("\\d+_\\d+"))
                    .findFirst().orElseThrow(() -> new AssertionError("no task folder in " + folder));
            sentinel = Files.writeString(task.resolve("sentinel"), "state of the previous run");
        }

        runUntilRunning(config, () -> assertThat(sentinel).as("a task's state, after a clean close").exists());

        // what kill -9 leaves: the marker of a run that never closed
        Files.writeString(marker, "1\n");
        runUntilRunning(config, () -> assertThat(sentinel).as("a task's state, after a run that did not close").doesNotExist());
    }

    /** Starts the processor, runs {@code check} once it is running, closes it cleanly. */
    private static void runUntilRunning(Map<String, Object> config, Runnable check) throws Exception {
        try (ProcessorApp app = ProcessorApp.start(config)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> app.streams().state() == KafkaStreams.State.RUNNING);
            check.run();
        }
    }

    @Test
    void shouldAnswerANewTenantsFirstJobWithinTheDiscoveryIntervalAndARebalance(StackEndpoints stack) throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Fixed(20)));
        ProcessorHarness harness = new ProcessorHarness(stack);
        long discoveryMs = 2_000;
        io.aijobs.contracts.TenantId late = io.aijobs.contracts.TenantId.of("late");

        try (ProcessorApp app = ProcessorApp.start(harness.config(stub.baseUrl(),
                Map.of(ProcessorConfig.TENANT_DISCOVERY_INTERVAL_MS_CONFIG, discoveryMs)));
             Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()));
             JobPublisher publisher = harness.publisher()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> app.streams().state() == KafkaStreams.State.RUNNING);
            List<org.apache.kafka.clients.admin.NewTopic> topics = io.aijobs.contracts.TopicCatalog.of(harness.names).tenantTopics(late)
                    .stream().map(spec -> spec.newTopic(Map.of())).toList();
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
            io.aijobs.devstack.TopicReadiness.await(admin, topics.stream().map(org.apache.kafka.clients.admin.NewTopic::name).toList(),
                    Duration.ofSeconds(30));
            long created = System.nanoTime();
            publisher.publishAndWait(io.aijobs.schema.JobRequest.newBuilder(harness.job("late-1")).setTenantId(late.value()).build(),
                    Duration.ofSeconds(30));

            // the bound the README states: the discovery interval, then one rebalance of the group
            await().atMost(Duration.ofMillis(discoveryMs + 15_000)).until(() -> !harness.committed(harness.topics.results(late)).isEmpty());
            System.out.printf("new tenant's first result %d ms after its topics existed%n", (System.nanoTime() - created) / 1_000_000);
        }
    }

    private static java.util.Collection<org.apache.kafka.clients.admin.MemberDescription> members(Admin admin, String group)
            throws Exception {
        return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS).members();
    }

    @Test
    void shouldCompleteACallLongerThanTheTransactionTimeoutWithoutFencing(StackEndpoints stack) throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Fixed(15_000)));
        ProcessorHarness harness = new ProcessorHarness(stack);
        AtomicBoolean leftRunning = new AtomicBoolean();

        try (ProcessorApp app = ProcessorApp.create(harness.config(stub.baseUrl(), Map.of()));
             JobPublisher publisher = harness.publisher()) {
            app.streams().setStateListener((newState, oldState) -> {
                if (oldState == KafkaStreams.State.RUNNING && newState != KafkaStreams.State.RUNNING) {
                    leftRunning.set(true);
                }
            });
            app.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> app.streams().state() == KafkaStreams.State.RUNNING);
            publisher.publishAndWait(harness.job("slow-1"), Duration.ofSeconds(30));

            await().atMost(Duration.ofSeconds(60)).until(() -> !harness.committedResults().isEmpty());

            assertThat(harness.committedResults()).extracting(JobResult::getJobId).containsExactly("slow-1");
            assertThat(harness.committedResults().get(0).getTimings().getModelLatencyMs()).isGreaterThanOrEqualTo(15_000);
            assertThat(stub.callsByIdempotencyKey()).containsExactly(Map.entry("slow-1-1", 1));
            assertThat(leftRunning).as("the instance never rebalanced or failed while the call was open").isFalse();
        }
    }

    @Test
    void shouldKeepExactlyOnceWhenAnInstanceLeavesAndRejoinsUnderLoad(StackEndpoints stack) throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Uniform(50, 250)));
        ProcessorHarness harness = new ProcessorHarness(stack);
        int jobs = 400;
        int maxInFlight = 32;
        Map<String, Object> slots = Map.of(ProcessorConfig.MAX_IN_FLIGHT_CONFIG, maxInFlight);

        try (ProcessorApp first = ProcessorApp.start(harness.config(stub.baseUrl(), slots));
             JobPublisher publisher = harness.publisher()) {
            ProcessorApp second = ProcessorApp.start(harness.config(stub.baseUrl(), slots));
            for (int i = 0; i < jobs; i++) {
                publisher.publish(harness.job("job-" + i));
                if (i == 100) {
                    publisher.flush();
                    await().atMost(Duration.ofSeconds(60)).until(() -> stub.requestCount() >= 50);
                    second.close();
                }
                if (i == 250) {
                    publisher.flush();
                    second = ProcessorApp.start(harness.config(stub.baseUrl(), slots));
                }
            }
            publisher.flush();
            try {
                await().atMost(Duration.ofSeconds(180)).until(() -> harness.committedResults().size() >= jobs);
            } finally {
                second.close();
            }
        }

        // read after both instances closed, so that a late duplicate would be seen
        List<JobResult> results = harness.committedResults();
        assertThat(results).hasSize(jobs);
        assertThat(results).extracting(JobResult::getJobId).doesNotHaveDuplicates();
        // A call is repeated only when its task moves while it is in flight: the new owner re-issues it with the same
        // key. Tasks moved away from an instance twice here (the second left; it came back and took tasks from the
        // first), each time with at most max.in.flight calls open on the instance that gave them up.
        long repeatedCalls = stub.callsByIdempotencyKey().values().stream().mapToLong(calls -> calls - 1).sum();
        assertThat(repeatedCalls).as("calls repeated after tasks moved").isLessThanOrEqualTo(2L * maxInFlight);
    }
}
