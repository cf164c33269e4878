package io.aijobs.processor.execution;

import io.aijobs.contracts.JobValidator;
import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicCatalog;
import io.aijobs.contracts.TopicNames;
import io.aijobs.contracts.Topics;
import io.aijobs.processor.JobTopology;
import io.aijobs.processor.ProcessorConfig.UnknownModelPolicy;
import io.aijobs.processor.admission.TenantPolicyEnforcer;
import io.aijobs.processor.failure.FailurePolicies;
import io.aijobs.processor.failure.RetryPolicy;
import io.aijobs.processor.metrics.ProcessorMetrics;
import io.aijobs.model.ModelOutcome;
import io.aijobs.processor.pricing.PriceTable;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobEvent;
import io.aijobs.schema.JobEventType;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.JobRetry;
import io.aijobs.schema.ModelCallUsage;
import io.aijobs.schema.state.JobExecutionState;
import io.aijobs.serde.InMemorySchemaRegistryClient;
import io.aijobs.testing.DriverTopics;
import io.aijobs.testing.InMemoryTopics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import io.aijobs.model.routing.Endpoint;
import io.aijobs.model.routing.ModelRouter;
import io.aijobs.model.routing.Route;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The execution processor's topology on TopologyTestDriver with a hand-answered model client: the driver, its input
 * and output topics and the helpers that {@link JobExecutionProcessorTest}, {@link JobExecutionRetryTest} and
 * {@link JobExecutionRefusalTest} share. A test may change {@code limiter}, {@code policy} or {@code enforcer} and call
 * {@link #startDriver()} again after closing the driver.
 */
abstract class ExecutionTopologyFixture {

    static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
    static final TopicNames NAMES = TopicNames.defaults();
    static final TenantId ACME = TenantId.of("acme");

    @TempDir
    Path stateDir;

    final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    final Topics topics = InMemoryTopics.of(TopicCatalog.of(NAMES), registry);
    final ManualModelClient model = new ManualModelClient();
    /** The second endpoint of {@link #twoEndpointRouter()}. */
    final ManualModelClient secondModel = new ManualModelClient();
    /**
     * One endpoint, {@code default}, answered by {@link #model}; limits are the limiter's, and no Retry-After holds it
     * (a hold runs on the real clock, these tests on the driver's).
     */
    ModelRouter router = ModelRouter.single("default", model, unlimited());
    InFlightLimiter limiter = new InFlightLimiter(2);
    FairShare fairShare = new FairShare();
    int queuedJobsPerTenant = 10_000;
    io.aijobs.processor.cache.ResponseCacheBounds responseCacheBounds = new io.aijobs.processor.cache.ResponseCacheBounds(1_000, 1_000_000);
    /** Spans the processor ended, kept in memory. */
    final io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter spans = io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter.create();
    final io.opentelemetry.sdk.OpenTelemetrySdk openTelemetry = io.opentelemetry.sdk.OpenTelemetrySdk.builder()
            .setTracerProvider(io.opentelemetry.sdk.trace.SdkTracerProvider.builder()
                    .addSpanProcessor(io.opentelemetry.sdk.trace.export.SimpleSpanProcessor.create(spans)).build())
            .build();
    /** The batch endpoints; none unless a test says so. */
    BatchRouting.Settings batchSettings = BatchRouting.Settings.none();
    /** How long the stream thread waits at the intake bound; zero: these tests do not wait unless they say so. */
    Duration backpressureMaxBlock = Duration.ZERO;
    UnknownModelPolicy policy = UnknownModelPolicy.UNPRICED;
    TenantPolicyEnforcer enforcer = TenantPolicyEnforcer.permissive();
    // no jitter: delays are exact. TRANSIENT: 3 attempts, 1 s then 2 s; RATE_LIMITED: 3 attempts, 1 s, honours Retry-After
    final FailurePolicies failurePolicies = new FailurePolicies(Map.of(
            FailureCategory.TRANSIENT, new RetryPolicy(3, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(10), "transient"),
            FailureCategory.RATE_LIMITED, new RetryPolicy(3, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(10), "rate-limited")),
            0.0, () -> 0.5);
    TopologyTestDriver driver;
    TestInputTopic<String, byte[]> acmeJobs;
    TestOutputTopic<String, JobResult> acmeResults;
    TestOutputTopic<String, JobFailure> acmeDlt;
    TestOutputTopic<String, ModelCallUsage> usage;
    TestOutputTopic<String, JobEvent> events;
    TestOutputTopic<String, JobRetry> transientRetries;
    TestOutputTopic<String, JobRetry> rateLimitedRetries;

    @BeforeEach
    void start() {
        startDriver();
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    @AfterEach
    void closeRouter() {
        router.close();
    }

    static Endpoint.Limits unlimited() {
        return new Endpoint.Limits(100_000, false, java.util.OptionalLong.empty(), java.util.OptionalLong.empty(), Duration.ZERO);
    }

    /** Model {@code m} routed to {@code primary} ({@link #model}), then {@code secondary} ({@link #secondModel}). */
    ModelRouter twoEndpointRouter() {
        java.util.concurrent.ScheduledExecutorService timers = ModelRouter.newTimers();
        Endpoint primary = new Endpoint("primary", model, unlimited(), timers, System::nanoTime);
        Endpoint secondary = new Endpoint("secondary", secondModel, unlimited(), timers, System::nanoTime);
        return new ModelRouter(List.of(new Route("m", List.of("m"), List.of(primary, secondary))), List.of(primary, secondary), timers);
    }

    void startDriver() {
        ExecutionDependencies deps = new ExecutionDependencies(NAMES, topics.jobs(ACME).valueSerde().deserializer(),
                new JobValidator(1000), router, limiter, PriceTable.parse("test-1", "USD", List.of("m=1.00:2.00")), policy,
                new ProcessorMetrics(new SimpleMeterRegistry(), 10), backpressureMaxBlock, Duration.ofMillis(10), Duration.ofDays(1),
                Duration.ofMinutes(1), failurePolicies, Duration.ofMillis(100), enforcer, fairShare, queuedJobsPerTenant, OutputSchemas.none(),
                responseCacheBounds, new BatchRouting(batchSettings, router), new io.aijobs.processor.tracing.JobTracing(openTelemetry));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "processor-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(JobTopology.build(deps, topics), props, T0);
        acmeJobs = DriverTopics.rawInput(driver, topics.jobs(ACME));
        acmeResults = DriverTopics.output(driver, topics.results(ACME));
        acmeDlt = DriverTopics.output(driver, topics.deadLetter(ACME));
        usage = DriverTopics.output(driver, topics.usage());
        events = DriverTopics.output(driver, topics.jobEvents());
        transientRetries = DriverTopics.output(driver, topics.retry("transient"));
        rateLimitedRetries = DriverTopics.output(driver, topics.retry("rate-limited"));
    }

    static JobRequest job(String jobId, String tenant) {
        return JobRequest.newBuilder().setJobId(jobId).setTenantId(tenant).setModel("m")
                .setMessages(List.of(new ChatMessage("user", "hello")))
                .setParameters(JobParameters.newBuilder().build())
                .setSubmittedAt(T0).build();
    }

    void submit(JobRequest job) {
        submit(job.getJobId(), job);
    }

    void submit(String key, JobRequest job) {
        acmeJobs.pipeInput(key, topics.jobs(ACME).serializeValue(job));
    }

    void tick() {
        driver.advanceWallClockTime(Duration.ofMillis(20));
    }

    JobExecutionState state(String jobId) {
        KeyValueStore<String, JobExecutionState> store = driver.getKeyValueStore(JobTopology.STATE_STORE);
        return store.get("acme/" + jobId);
    }

    List<JobEventType> eventTypes() {
        return events.readValuesToList().stream().map(JobEvent::getType).toList();
    }

    static String header(TestRecord<String, ?> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    static ModelOutcome unavailable() {
        return new ModelOutcome.ServerError(503, "overloaded", Duration.ofMillis(3));
    }

    static io.aijobs.schema.TenantPolicy.Builder acmePolicy() {
        return io.aijobs.schema.TenantPolicy.newBuilder().setTenantId("acme").setRetentionMs(86_400_000L).setUpdatedAt(T0);
    }

    TestInputTopic<String, io.aijobs.schema.TenantPolicy> policies() {
        return DriverTopics.input(driver, topics.tenantPolicies());
    }
}
