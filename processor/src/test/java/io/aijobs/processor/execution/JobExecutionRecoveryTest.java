package io.aijobs.processor.execution;

import io.aijobs.contracts.TenantId;
import io.aijobs.testing.InMemoryTopics;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.contracts.JobValidator;
import io.aijobs.contracts.Topics;
import io.aijobs.processor.JobTopology;
import io.aijobs.processor.ProcessorConfig.UnknownModelPolicy;
import io.aijobs.processor.admission.TenantPolicyEnforcer;
import io.aijobs.processor.metrics.ProcessorMetrics;
import io.aijobs.processor.pricing.PriceTable;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.state.ExecutionStatus;
import io.aijobs.schema.state.JobExecutionState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * What a new owner of a task does with the state the old owner committed: re-issue the calls that were in flight
 * (same Idempotency-Key), then start queued jobs in order. The stores outlive the processor instance here as they
 * outlive a crash in production (restored from their changelogs).
 */
class JobExecutionRecoveryTest {

    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
    private static final TenantId ACME = TenantId.of("acme");
    private final Topics topics = InMemoryTopics.defaults();
    private final ManualModelClient model = new ManualModelClient();
    private final KeyValueStore<String, JobExecutionState> states = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(JobTopology.STATE_STORE), Serdes.String(), JobExecutionProcessorSupplier.stateSerde()).withLoggingDisabled().build();

    private final KeyValueStore<String, String> unfinishedStore = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(JobTopology.UNFINISHED_STORE), Serdes.String(), Serdes.String()).withLoggingDisabled().build();

    private final KeyValueStore<String, io.aijobs.schema.state.BatchState> batchStore = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(JobTopology.BATCH_STORE), Serdes.String(),
            new io.aijobs.serde.SingleObjectSerde<>(io.aijobs.schema.state.BatchState.getEncoder(),
                    io.aijobs.schema.state.BatchState.getDecoder(), "batch state")).withLoggingDisabled().build();

    /** Spans the processors ended, kept in memory. */
    private final io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter spans = io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter.create();
    private final io.opentelemetry.sdk.OpenTelemetrySdk openTelemetry = io.opentelemetry.sdk.OpenTelemetrySdk.builder()
            .setTracerProvider(io.opentelemetry.sdk.trace.SdkTracerProvider.builder()
                    .addSpanProcessor(io.opentelemetry.sdk.trace.export.SimpleSpanProcessor.create(spans)).build())
            .build();

    private ExecutionDependencies deps(InFlightLimiter limiter) {
        return deps(limiter, BatchRouting.Settings.none());
    }

    private ExecutionDependencies deps(InFlightLimiter limiter, BatchRouting.Settings batchSettings) {
        io.aijobs.model.routing.ModelRouter router = io.aijobs.model.routing.ModelRouter.single("default", model,
                io.aijobs.model.routing.Endpoint.Limits.fixed(100_000));
        return new ExecutionDependencies(topics.names(), topics.jobs(ACME).valueSerde().deserializer(),
                new JobValidator(1000), router, limiter, PriceTable.parse("v", "USD", List.of()), UnknownModelPolicy.UNPRICED,
                new ProcessorMetrics(new SimpleMeterRegistry(), 10), Duration.ZERO, Duration.ofMillis(10), Duration.ofDays(1),
                Duration.ofMinutes(1), new io.aijobs.processor.failure.FailurePolicies(Map.of(io.aijobs.schema.FailureCategory.TRANSIENT,
                        new io.aijobs.processor.failure.RetryPolicy(3, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(10), "transient")),
                        0, () -> 0.5),
                Duration.ofMillis(100), TenantPolicyEnforcer.permissive(), new FairShare(), 10_000, OutputSchemas.none(),
                new io.aijobs.processor.cache.ResponseCacheBounds(1_000, 1_000_000), new BatchRouting(batchSettings, router),
                new io.aijobs.processor.tracing.JobTracing(openTelemetry));
    }

    private MockProcessorContext<String, Object> context() {
        MockProcessorContext<String, Object> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(T0.toEpochMilli());
        states.init(context.getStateStoreContext(), states);
        context.addStateStore(states);
        unfinishedStore.init(context.getStateStoreContext(), unfinishedStore);
        context.addStateStore(unfinishedStore);
        KeyValueStore<String, String> timers = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(JobTopology.RETRY_TIMERS_STORE),
                Serdes.String(), Serdes.String()).withLoggingDisabled().build();
        timers.init(context.getStateStoreContext(), timers);
        context.addStateStore(timers);
        KeyValueStore<String, io.aijobs.schema.TenantSpend> spend = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(JobTopology.SPEND_STORE), Serdes.String(), topics.tenantSpend().valueSerde()).withLoggingDisabled().build();
        spend.init(context.getStateStoreContext(), spend);
        context.addStateStore(spend);
        KeyValueStore<String, io.aijobs.schema.TenantPolicy> policies = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(JobTopology.POLICIES_STORE), Serdes.String(), topics.tenantPolicies().valueSerde()).withLoggingDisabled().build();
        policies.init(context.getStateStoreContext(), policies);
        context.addStateStore(policies);
        KeyValueStore<String, io.aijobs.schema.ResponseCacheEntry> cache = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(io.aijobs.processor.cache.ResponseCacheStore.STORE), Serdes.String(),
                topics.responseCache().valueSerde()).withLoggingDisabled().build();
        cache.init(context.getStateStoreContext(), cache);
        context.addStateStore(cache);
        batchStore.init(context.getStateStoreContext(), batchStore);
        context.addStateStore(batchStore);
        return context;
    }

    private void submit(JobExecutionProcessor processor, MockProcessorContext<String, Object> context, String jobId, long offset) {
        submit(processor, context, jobId, offset, io.aijobs.schema.JobPriority.INTERACTIVE);
    }

    private void submit(JobExecutionProcessor processor, MockProcessorContext<String, Object> context, String jobId, long offset,
                        io.aijobs.schema.JobPriority priority) {
        JobRequest job = JobRequest.newBuilder().setJobId(jobId).setTenantId("acme").setModel("m")
                .setMessages(List.of(new ChatMessage("user", "hi"))).setParameters(JobParameters.newBuilder().build())
                .setSubmittedAt(T0).setPriority(priority).build();
        context.setRecordMetadata(topics.jobs(ACME).name(), 0, offset);
        processor.process(new Record<>(jobId, topics.jobs(ACME).serializeValue(job), T0.toEpochMilli()));
    }

    @Test
    void shouldCallOnItsOwnAJobWhoseBatchsEndpointIsNoLongerABatchEndpointAfterTheRestart() {
        // batches that wait an hour for more jobs: the job is still in its OPEN batch when the processor restarts without
        // batch endpoints (the endpoint's URL is never called)
        BatchRouting.Settings batching = new BatchRouting.Settings(List.of(new io.aijobs.processor.routing.RoutingConfig.EndpointSettings(
                "default", io.aijobs.model.HttpTarget.openAi("http://127.0.0.1:9/v1", java.util.Optional.empty()), Duration.ofSeconds(1),
                io.aijobs.model.routing.Endpoint.Limits.fixed(1))), 1_000, 1L << 20, Duration.ofHours(1), Duration.ofSeconds(30),
                Duration.ofMillis(100));
        JobExecutionProcessor before = new JobExecutionProcessor(deps(new InFlightLimiter(10), batching));
        MockProcessorContext<String, Object> first = context();
        before.init(first);
        submit(before, first, "j-1", 0, io.aijobs.schema.JobPriority.BATCH);
        assertThat(states.get("acme/j-1").getStatus()).isEqualTo(ExecutionStatus.BATCHED);
        before.close();

        JobExecutionProcessor after = new JobExecutionProcessor(deps(new InFlightLimiter(10)));
        MockProcessorContext<String, Object> second = context();
        second.setCurrentSystemTimeMs(T0.plusSeconds(1).toEpochMilli());
        after.init(second);
        // the punctuators: completions, retries, dedup cleanup, then the batch lane's tick
        second.scheduledPunctuators().get(3).getPunctuator().punctuate(T0.plusSeconds(1).toEpochMilli());

        assertThat(states.get("acme/j-1").getStatus()).isEqualTo(ExecutionStatus.RETRY_WAIT);
        assertThat(states.get("acme/j-1").getLastErrorType()).isEqualTo("batch_endpoint_removed");
        assertThat(states.get("acme/j-1").getBatchKey()).isNull();
        try (var all = batchStore.all()) {
            assertThat(all.hasNext()).as("the batch is given up").isFalse();
        }
        assertThat(model.calls()).isEmpty();
    }

    @Test
    void shouldMarkACallIssuedAgainByTheTasksNextOwnerAndLinkItToTheAttemptItRepeats() {
        JobExecutionProcessor before = new JobExecutionProcessor(deps(new InFlightLimiter(10)));
        MockProcessorContext<String, Object> first = context();
        before.init(first);
        submit(before, first, "j-1", 0);
        String lostCall = states.get("acme/j-1").getCallSpanId();
        io.opentelemetry.api.trace.SpanContext lostJob = io.aijobs.processor.tracing.JobTracing.stored(
                states.get("acme/j-1").getTraceParent(), null);
        before.close();

        JobExecutionProcessor owner = new JobExecutionProcessor(deps(new InFlightLimiter(10)));
        MockProcessorContext<String, Object> second = context();
        owner.init(second);
        second.scheduledPunctuators().get(0).getPunctuator().punctuate(T0.toEpochMilli());
        model.calls().get(1).succeed(1, 1);
        second.scheduledPunctuators().get(0).getPunctuator().punctuate(T0.toEpochMilli());

        var reissued = spans.getFinishedSpanItems().stream()
                .filter(span -> Boolean.TRUE.equals(span.getAttributes().get(io.aijobs.processor.tracing.JobTracing.REISSUED))).toList();
        assertThat(reissued).hasSize(1);
        assertThat(reissued.get(0).getTraceId()).isEqualTo(lostJob.getTraceId());
        assertThat(reissued.get(0).getLinks()).extracting(link -> link.getSpanContext().getSpanId()).containsExactly(lostCall);
        assertThat(model.calls().get(1).traceHeaders().get("traceparent")).contains(reissued.get(0).getSpanId());
        var resumed = spans.getFinishedSpanItems().stream()
                .filter(span -> Boolean.TRUE.equals(span.getAttributes().get(io.aijobs.processor.tracing.JobTracing.RESUMED))).toList();
        assertThat(resumed).hasSize(1);
        assertThat(resumed.get(0).getParentSpanId()).as("a child of the job's first span: one trace").isEqualTo(lostJob.getSpanId());
        assertThat(resumed.get(0).getAttributes().get(io.aijobs.processor.tracing.JobTracing.OUTCOME)).isEqualTo("completed");
        assertThat(reissued.get(0).getParentSpanId()).isEqualTo(resumed.get(0).getSpanId());
    }

    @Test
    void shouldReissueInFlightCallsWithTheSameKeyThenStartQueuedJobsInOrder() {
        InFlightLimiter crashedLimiter = new InFlightLimiter(2);
        JobExecutionProcessor crashed = new JobExecutionProcessor(deps(crashedLimiter));
        MockProcessorContext<String, Object> first = context();
        crashed.init(first);
        submit(crashed, first, "j-1", 0);
        submit(crashed, first, "j-2", 1);
        submit(crashed, first, "j-3", 2);
        assertThat(states.get("acme/j-3").getStatus()).isEqualTo(ExecutionStatus.QUEUED);
        crashed.close();

        JobExecutionProcessor owner = new JobExecutionProcessor(deps(new InFlightLimiter(10)));
        MockProcessorContext<String, Object> second = context();
        owner.init(second);
        second.scheduledPunctuators().get(0).getPunctuator().punctuate(T0.toEpochMilli());

        assertThat(model.calls()).extracting(ManualModelClient.Call::idempotencyKey)
                .containsExactly("j-1-1", "j-2-1", "j-1-1", "j-2-1", "j-3-1");

        // The old instance's call ends after the crash: dropped. The re-issued one completes the job, once.
        model.calls().get(0).succeed(1, 1);
        model.calls().get(2).succeed(1, 1);
        second.scheduledPunctuators().get(0).getPunctuator().punctuate(T0.toEpochMilli());

        List<?> results = second.forwarded().stream()
                .map(forwarded -> forwarded.record().value()).filter(JobResult.class::isInstance).toList();
        assertThat(results).singleElement().satisfies(r -> assertThat(((JobResult) r).getJobId()).isEqualTo("j-1"));
        assertThat(crashedLimiter.inFlight()).isEqualTo(1);
        assertThat(states.get("acme/j-1").getStatus()).isEqualTo(ExecutionStatus.COMPLETED);
        assertThat(states.get("acme/j-2").getStatus()).isEqualTo(ExecutionStatus.IN_FLIGHT);
        assertThat(states.get("acme/j-3").getStatus()).isEqualTo(ExecutionStatus.IN_FLIGHT);
    }

    @Test
    void shouldReissueAndStartTheUnfinishedJobsOfAStoreWrittenBeforeItsIndexExistedAndIndexThem() {
        // states as a processor without the index left them: an open call, a queued job, a finished job
        JobExecutionProcessor earlier = new JobExecutionProcessor(deps(new InFlightLimiter(1)));
        MockProcessorContext<String, Object> first = context();
        earlier.init(first);
        submit(earlier, first, "j-1", 0);
        submit(earlier, first, "j-2", 1);
        earlier.close();
        try (var all = unfinishedStore.all()) {
            all.forEachRemaining(entry -> unfinishedStore.delete(entry.key));
        }
        assertThat(unfinishedStore.approximateNumEntries()).as("no index, as before it existed").isZero();

        JobExecutionProcessor owner = new JobExecutionProcessor(deps(new InFlightLimiter(10)));
        MockProcessorContext<String, Object> second = context();
        owner.init(second);
        second.scheduledPunctuators().get(0).getPunctuator().punctuate(T0.toEpochMilli());

        assertThat(model.calls()).extracting(ManualModelClient.Call::idempotencyKey).containsExactly("j-1-1", "j-1-1", "j-2-1");
        assertThat(unfinishedStore.get(JobStates.COMPLETE)).as("the index is built and marked complete").isNotNull();
        assertThat(unfinishedStore.get("acme/j-1")).isEqualTo("IN_FLIGHT");
        assertThat(unfinishedStore.get("acme/j-2")).isEqualTo("IN_FLIGHT");
    }

    @Test
    void shouldDropTheCompletionOfACallWhoseTaskClosedAndGiveBackItsSlot() {
        InFlightLimiter limiter = new InFlightLimiter(4);
        JobExecutionProcessor processor = new JobExecutionProcessor(deps(limiter));
        MockProcessorContext<String, Object> context = context();
        processor.init(context);
        submit(processor, context, "j-1", 0);
        int forwardedBeforeClose = context.forwarded().size();
        processor.close();

        model.last().succeed(1, 1);
        // a punctuation that still ran after close (a zombie's) finds nothing to deliver
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(T0.toEpochMilli());

        assertThat(limiter.inFlight()).as("the slot is given back").isZero();
        assertThat(context.forwarded()).as("no result, usage or event after close").hasSize(forwardedBeforeClose);
        assertThat(states.get("acme/j-1").getStatus()).as("left for the next owner to re-issue").isEqualTo(ExecutionStatus.IN_FLIGHT);
    }

    @Test
    void shouldDeliverCallsOfARevivedTaskAndDropOnlyThoseOfItsEarlierLife() {
        // Kafka Streams revives a task after an aborted transaction: close() then init() on the same processor
        InFlightLimiter limiter = new InFlightLimiter(4);
        JobExecutionProcessor processor = new JobExecutionProcessor(deps(limiter));
        MockProcessorContext<String, Object> before = context();
        processor.init(before);
        submit(processor, before, "j-1", 0);
        processor.close();

        MockProcessorContext<String, Object> after = context();
        processor.init(after);
        after.scheduledPunctuators().get(0).getPunctuator().punctuate(T0.toEpochMilli());
        assertThat(model.calls()).extracting(ManualModelClient.Call::idempotencyKey).containsExactly("j-1-1", "j-1-1");

        model.calls().get(0).succeed(1, 1);
        after.scheduledPunctuators().get(0).getPunctuator().punctuate(T0.toEpochMilli());
        assertThat(states.get("acme/j-1").getStatus()).as("the earlier life's call is dropped").isEqualTo(ExecutionStatus.IN_FLIGHT);

        model.calls().get(1).succeed(1, 1);
        after.scheduledPunctuators().get(0).getPunctuator().punctuate(T0.toEpochMilli());
        assertThat(states.get("acme/j-1").getStatus()).isEqualTo(ExecutionStatus.COMPLETED);
        assertThat(limiter.inFlight()).isZero();
    }
}
