package io.aijobs.processor.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.contracts.JobHeaders;
import io.aijobs.contracts.JobValidator;
import io.aijobs.contracts.TopicNames;
import io.aijobs.contracts.Topics;
import io.aijobs.processor.JobTopology;
import io.aijobs.processor.ProcessorConfig.UnknownModelPolicy;
import io.aijobs.processor.admission.TenantPolicyEnforcer;
import io.aijobs.processor.failure.FailurePolicies;
import io.aijobs.processor.failure.RetryPolicy;
import io.aijobs.processor.metrics.ProcessorMetrics;
import io.aijobs.processor.model.ModelOutcome;
import io.aijobs.processor.pricing.PriceTable;
import io.aijobs.schema.CallOutcome;
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
import io.aijobs.schema.state.ExecutionStatus;
import io.aijobs.schema.state.JobExecutionState;
import io.aijobs.serde.AvroDeserializer;
import io.aijobs.serde.AvroSerdeConfig;
import io.aijobs.serde.InMemorySchemaRegistryClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every state transition of the execution processor, on TopologyTestDriver with a hand-answered model client. */
class JobExecutionProcessorTest {

    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
    private static final TopicNames NAMES = TopicNames.defaults();

    @TempDir
    Path stateDir;

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final Topics topics = new Topics(NAMES, registry, new AvroSerdeConfig(Map.of(
            AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://unused", AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true)));
    private final ManualModelClient model = new ManualModelClient();
    private InFlightLimiter limiter = new InFlightLimiter(2);
    private UnknownModelPolicy policy = UnknownModelPolicy.UNPRICED;
    private TenantPolicyEnforcer enforcer = TenantPolicyEnforcer.permissive();
    // no jitter: delays are exact. TRANSIENT: 3 attempts, 1 s then 2 s; RATE_LIMITED: 3 attempts, 1 s, honours Retry-After
    private final FailurePolicies failurePolicies = new FailurePolicies(Map.of(
            FailureCategory.TRANSIENT, new RetryPolicy(3, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(10), "transient"),
            FailureCategory.RATE_LIMITED, new RetryPolicy(3, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(10), "rate-limited")),
            0.0, () -> 0.5);
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> acmeJobs;
    private TestOutputTopic<String, JobResult> acmeResults;
    private TestOutputTopic<String, JobFailure> acmeDlt;
    private TestOutputTopic<String, ModelCallUsage> usage;
    private TestOutputTopic<String, JobEvent> events;
    private TestOutputTopic<String, JobRetry> transientRetries;
    private TestOutputTopic<String, JobRetry> rateLimitedRetries;

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

    private void startDriver() {
        ExecutionDependencies deps = new ExecutionDependencies(NAMES, new AvroDeserializer<>(JobRequest.class, registry),
                new JobValidator(1000), model, limiter, PriceTable.parse("test-1", "USD", List.of("m=1.00:2.00")), policy,
                new ProcessorMetrics(new SimpleMeterRegistry(), 10), Duration.ZERO, Duration.ofMillis(10), Duration.ofDays(1),
                Duration.ofMinutes(1), failurePolicies, Duration.ofMillis(100), enforcer);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "processor-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(JobTopology.build(deps, topics), props, T0);
        acmeJobs = driver.createInputTopic("tenant.acme.jobs", Serdes.String().serializer(), Serdes.ByteArray().serializer());
        acmeResults = driver.createOutputTopic("tenant.acme.results", Serdes.String().deserializer(), topics.jobResultSerde().deserializer());
        acmeDlt = driver.createOutputTopic("tenant.acme.dlt", Serdes.String().deserializer(), topics.jobFailureSerde().deserializer());
        usage = driver.createOutputTopic("platform.usage", Serdes.String().deserializer(), topics.usageSerde().deserializer());
        events = driver.createOutputTopic("platform.job-events", Serdes.String().deserializer(), topics.jobEventSerde().deserializer());
        transientRetries = driver.createOutputTopic("platform.retry.transient", Serdes.String().deserializer(),
                topics.jobRetrySerde().deserializer());
        rateLimitedRetries = driver.createOutputTopic("platform.retry.rate-limited", Serdes.String().deserializer(),
                topics.jobRetrySerde().deserializer());
    }

    private static JobRequest job(String jobId, String tenant) {
        return JobRequest.newBuilder().setJobId(jobId).setTenantId(tenant).setModel("m")
                .setMessages(List.of(new ChatMessage("user", "hello")))
                .setParameters(JobParameters.newBuilder().build())
                .setSubmittedAt(T0).build();
    }

    private void submit(JobRequest job) {
        submit(job.getJobId(), job);
    }

    private void submit(String key, JobRequest job) {
        byte[] bytes = topics.jobRequestSerde().serializer().serialize("tenant.acme.jobs", job);
        acmeJobs.pipeInput(key, bytes);
    }

    private void tick() {
        driver.advanceWallClockTime(Duration.ofMillis(20));
    }

    private JobExecutionState state(String jobId) {
        KeyValueStore<String, JobExecutionState> store = driver.getKeyValueStore(JobTopology.STATE_STORE);
        return store.get("acme/" + jobId);
    }

    private List<JobEventType> eventTypes() {
        return events.readValuesToList().stream().map(JobEvent::getType).toList();
    }

    @Test
    void shouldMarkANewJobInFlightAndCallTheModelWithTheIdempotencyKey() {
        submit(job("j-1", "acme"));

        assertThat(model.calls()).singleElement().satisfies(call -> assertThat(call.idempotencyKey()).isEqualTo("j-1-1"));
        assertThat(state("j-1").getStatus()).isEqualTo(ExecutionStatus.IN_FLIGHT);
        assertThat(state("j-1").getAttempt()).isEqualTo(1);
        assertThat(eventTypes()).containsExactly(JobEventType.STARTED);
        assertThat(acmeResults.isEmpty()).isTrue();
    }

    @Test
    void shouldWriteResultUsageAndCompletedWhenTheCallSucceeds() {
        submit(job("j-1", "acme"));
        model.last().succeed(1000, 500);

        tick();

        TestRecord<String, JobResult> result = acmeResults.readRecord();
        assertThat(result.key()).isEqualTo("j-1");
        assertThat(result.value().getOutput()).isEqualTo("answer to j-1");
        // 1000 input tokens at 1.00/M + 500 output tokens at 2.00/M = 0.002 USD = 2,000,000 nanos
        assertThat(result.value().getCost().getAmountNanos()).isEqualTo(2_000_000L);
        assertThat(result.value().getCost().getPricingVersion()).isEqualTo("test-1");
        assertThat(result.value().getAttempts()).isEqualTo(1);
        assertThat(new String(result.headers().lastHeader(JobHeaders.TENANT).value(), StandardCharsets.UTF_8)).isEqualTo("acme");
        ModelCallUsage call = usage.readValue();
        assertThat(call.getCallId()).isEqualTo("j-1-1");
        assertThat(call.getProducedResult()).isTrue();
        assertThat(call.getOutcome()).isEqualTo(CallOutcome.SUCCESS);
        assertThat(eventTypes()).containsExactly(JobEventType.STARTED, JobEventType.COMPLETED);
        assertThat(state("j-1").getStatus()).isEqualTo(ExecutionStatus.COMPLETED);
        assertThat(state("j-1").getRequestBytes()).isNull();
    }

    @Test
    void shouldNotCallTheModelAgainForACompletedJobAndEmitADuplicateEvent() {
        submit(job("j-1", "acme"));
        model.last().succeed(1, 1);
        tick();
        acmeResults.readRecordsToList();
        events.readRecordsToList();

        submit(job("j-1", "acme"));
        tick();

        assertThat(model.calls()).hasSize(1);
        assertThat(acmeResults.isEmpty()).isTrue();
        assertThat(events.readValue()).satisfies(event -> {
            assertThat(event.getType()).isEqualTo(JobEventType.DUPLICATE);
            assertThat(event.getDetail()).isEqualTo("already COMPLETED");
        });
    }

    @Test
    void shouldAbsorbADuplicateOfAnInFlightJob() {
        submit(job("j-1", "acme"));
        submit(job("j-1", "acme"));
        model.last().succeed(1, 1);
        tick();

        assertThat(model.calls()).hasSize(1);
        assertThat(acmeResults.readRecordsToList()).hasSize(1);
    }

    @Test
    void shouldQueueJobsBeyondMaxInFlightAndStartThemWhenSlotsFree() {
        submit(job("j-1", "acme"));
        submit(job("j-2", "acme"));
        submit(job("j-3", "acme"));

        assertThat(model.calls()).hasSize(2);
        assertThat(state("j-3").getStatus()).isEqualTo(ExecutionStatus.QUEUED);
        assertThat(eventTypes()).containsExactly(JobEventType.STARTED, JobEventType.STARTED, JobEventType.RECEIVED);

        model.calls().get(0).succeed(1, 1);
        tick();

        assertThat(model.calls()).hasSize(3);
        assertThat(model.last().idempotencyKey()).isEqualTo("j-3-1");
        assertThat(state("j-3").getStatus()).isEqualTo(ExecutionStatus.IN_FLIGHT);
    }

    @Test
    void shouldDeadLetterAFailedCallWithItsCategoryAndRecordItsUsage() {
        submit(job("j-1", "acme"));
        model.last().fail(new ModelOutcome.InvalidRequest(400, Optional.of("context_length_exceeded"), "too long", Duration.ofMillis(5)));
        tick();

        JobFailure failure = acmeDlt.readValue();
        assertThat(failure.getCategory()).isEqualTo(FailureCategory.PERMANENT);
        assertThat(failure.getErrorType()).isEqualTo("http_400");
        assertThat(failure.getErrorCode()).isEqualTo("context_length_exceeded");
        assertThat(failure.getAttempts()).isEqualTo(1);
        assertThat(failure.getOrigin().getTopic()).isEqualTo("tenant.acme.jobs");
        ModelCallUsage call = usage.readValue();
        assertThat(call.getProducedResult()).isFalse();
        assertThat(call.getOutcome()).isEqualTo(CallOutcome.INVALID_REQUEST);
        assertThat(state("j-1").getStatus()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(acmeResults.isEmpty()).isTrue();
    }

    @Test
    void shouldDeadLetterUndecodableBytesWithTheOriginalBytes() {
        byte[] poison = {1, 2, 3, 4, 5, 6};

        acmeJobs.pipeInput("k", poison);

        JobFailure failure = acmeDlt.readValue();
        assertThat(failure.getCategory()).isEqualTo(FailureCategory.POISON);
        assertThat(failure.getTenantId()).isEqualTo("acme");
        assertThat(failure.getOriginalValue().array()).containsExactly(poison);
        assertThat(failure.getMessage()).contains("Unknown magic byte 0x01");
        assertThat(model.calls()).isEmpty();
    }

    @Test
    void shouldRejectAJobForAnotherTenantWithoutCallingTheModel() {
        submit(job("j-1", "globex"));

        JobFailure failure = acmeDlt.readValue();
        assertThat(failure.getCategory()).isEqualTo(FailureCategory.SECURITY);
        assertThat(failure.getTenantId()).isEqualTo("acme");
        assertThat(model.calls()).isEmpty();
    }

    @Test
    void shouldRejectARecordWhoseKeyIsNotItsJobId() {
        submit("other-key", job("j-1", "acme"));

        assertThat(acmeDlt.readValue().getErrorType()).isEqualTo("key_mismatch");
        assertThat(model.calls()).isEmpty();
    }

    @Test
    void shouldExpireAJobWhoseDeadlinePassed() {
        JobRequest late = job("j-1", "acme");
        late.setDeadline(T0.minusSeconds(1));
        late.setSubmittedAt(T0.minusSeconds(60));

        submit(late);

        assertThat(acmeDlt.readValue().getCategory()).isEqualTo(FailureCategory.EXPIRED);
        assertThat(model.calls()).isEmpty();
    }

    @Test
    void shouldRejectAnUnpricedModelWhenThePolicySaysSo() {
        driver.close();
        policy = UnknownModelPolicy.REJECT;
        startDriver();
        JobRequest job = job("j-1", "acme");
        job.setModel("unknown-model");

        submit(job);

        assertThat(acmeDlt.readValue().getErrorType()).isEqualTo("unknown_model_price");
        assertThat(model.calls()).isEmpty();
    }

    @Test
    void shouldMarkTheCostUnpricedInsteadOfZeroForAnUnknownModel() {
        JobRequest job = job("j-1", "acme");
        job.setModel("unknown-model");
        submit(job);
        model.last().succeed(100, 100);
        tick();

        JobResult result = acmeResults.readValue();
        assertThat(result.getCost().getPriced()).isFalse();
        assertThat(result.getCost().getPricingVersion()).isNull();
    }

    @Test
    void shouldForgetFinishedJobsAfterTheDedupHorizon() {
        submit(job("j-1", "acme"));
        model.last().succeed(1, 1);
        tick();

        driver.advanceWallClockTime(Duration.ofDays(1).plusMinutes(2));
        submit(job("j-1", "acme"));

        assertThat(model.calls()).hasSize(2);
    }

    private static String header(TestRecord<String, ?> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static ModelOutcome unavailable() {
        return new ModelOutcome.ServerError(503, "overloaded", Duration.ofMillis(3));
    }

    @Test
    void shouldParkATransientFailureAndRetryItWhenDueWithTheNextAttempt() {
        submit(job("j-1", "acme"));
        model.last().fail(unavailable());
        tick();

        TestRecord<String, JobRetry> retry = transientRetries.readRecord();
        assertThat(retry.key()).isEqualTo("j-1");
        assertThat(retry.value().getCategory()).isEqualTo(FailureCategory.TRANSIENT);
        assertThat(retry.value().getFailedAttempt()).isEqualTo(1);
        assertThat(retry.value().getNextAttempt()).isEqualTo(2);
        assertThat(retry.value().getMaxAttempts()).isEqualTo(3);
        assertThat(retry.value().getErrorType()).isEqualTo("http_503");
        assertThat(retry.value().getDelayMs()).isEqualTo(1000);
        long dueAt = retry.value().getDueAt().toEpochMilli();
        assertThat(header(retry, JobHeaders.RETRY_DUE_AT)).isEqualTo(Long.toString(dueAt));
        assertThat(header(retry, JobHeaders.ATTEMPT)).isEqualTo("1");
        assertThat(header(retry, JobHeaders.CATEGORY)).isEqualTo("TRANSIENT");
        assertThat(header(retry, JobHeaders.STREAMS_ERRORS_TOPIC)).isEqualTo("tenant.acme.jobs");
        assertThat(state("j-1").getStatus()).isEqualTo(ExecutionStatus.RETRY_WAIT);
        assertThat(state("j-1").getDueAt()).isEqualTo(dueAt);
        assertThat(usage.readValue().getOutcome()).isEqualTo(CallOutcome.SERVER_ERROR);
        assertThat(eventTypes()).containsExactly(JobEventType.STARTED, JobEventType.RETRY_SCHEDULED);

        // not before it is due...
        driver.advanceWallClockTime(Duration.ofMillis(700));
        assertThat(model.calls()).hasSize(1);
        // ...then with the next attempt's key, and the result counts both attempts
        driver.advanceWallClockTime(Duration.ofMillis(400));
        assertThat(model.calls()).hasSize(2);
        assertThat(model.last().idempotencyKey()).isEqualTo("j-1-2");
        model.last().succeed(1, 1);
        tick();

        JobResult result = acmeResults.readValue();
        assertThat(result.getAttempts()).isEqualTo(2);
        assertThat(acmeDlt.isEmpty()).isTrue();
        assertThat(state("j-1").getStatus()).isEqualTo(ExecutionStatus.COMPLETED);
        assertThat(driver.<String, String>getKeyValueStore(JobTopology.RETRY_TIMERS_STORE).approximateNumEntries()).isZero();
    }

    @Test
    void shouldBackOffExponentiallyAndDeadLetterWhenTheAttemptsAreUsedUp() {
        submit(job("j-1", "acme"));
        model.last().fail(unavailable());
        tick();
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        model.last().fail(unavailable());
        tick();
        driver.advanceWallClockTime(Duration.ofSeconds(2));
        assertThat(model.calls()).hasSize(3);
        model.last().fail(unavailable());
        tick();

        assertThat(transientRetries.readValuesToList()).extracting(JobRetry::getDelayMs).containsExactly(1000L, 2000L);
        TestRecord<String, JobFailure> dead = acmeDlt.readRecord();
        assertThat(dead.value().getCategory()).isEqualTo(FailureCategory.TRANSIENT);
        assertThat(dead.value().getAttempts()).isEqualTo(3);
        assertThat(dead.value().getMessage()).startsWith("gave up after 3 attempt(s)");
        assertThat(dead.value().getFirstFailureAt()).isBefore(dead.value().getLastFailureAt());
        assertThat(dead.value().getOriginalValue()).isNotNull();
        assertThat(header(dead, JobHeaders.ATTEMPT)).isEqualTo("3");
        assertThat(header(dead, JobHeaders.STREAMS_ERRORS_EXCEPTION)).isEqualTo("http_503");
        assertThat(state("j-1").getStatus()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(usage.readValuesToList()).hasSize(3).noneMatch(ModelCallUsage::getProducedResult);
    }

    @Test
    void shouldNeverRetryEarlierThanRetryAfter() {
        submit(job("j-1", "acme"));
        model.last().fail(new ModelOutcome.RateLimited(Optional.of(Duration.ofSeconds(5)), Duration.ofMillis(2)));
        tick();

        JobRetry retry = rateLimitedRetries.readValue();
        assertThat(retry.getRetryAfterMs()).isEqualTo(5000L);
        assertThat(retry.getDelayMs()).isEqualTo(5000L);
        driver.advanceWallClockTime(Duration.ofMillis(4900));
        assertThat(model.calls()).hasSize(1);
        driver.advanceWallClockTime(Duration.ofMillis(200));
        assertThat(model.calls()).hasSize(2);
    }

    @Test
    void shouldDeadLetterAPermanentFailureAfterOneAttemptWithoutARetryRecord() {
        submit(job("j-1", "acme"));
        model.last().fail(new ModelOutcome.Refusal("m", "content_filter", 10, 0, Duration.ofMillis(2)));
        tick();
        driver.advanceWallClockTime(Duration.ofMinutes(1));

        assertThat(model.calls()).hasSize(1);
        assertThat(transientRetries.isEmpty()).isTrue();
        assertThat(acmeDlt.readValue().getCategory()).isEqualTo(FailureCategory.PERMANENT);
    }

    @Test
    void shouldExpireInsteadOfRetryingPastTheDeadline() {
        JobRequest soon = job("j-1", "acme");
        soon.setDeadline(T0.plusMillis(500));
        submit(soon);
        model.last().fail(unavailable());
        tick();

        JobFailure dead = acmeDlt.readValue();
        assertThat(dead.getCategory()).isEqualTo(FailureCategory.EXPIRED);
        assertThat(dead.getErrorType()).isEqualTo("http_503");
        assertThat(transientRetries.isEmpty()).isTrue();
    }

    @Test
    void shouldTreatADuplicateOfAJobWaitingToRetryAsADuplicate() {
        submit(job("j-1", "acme"));
        model.last().fail(unavailable());
        tick();
        events.readRecordsToList();

        submit(job("j-1", "acme"));

        assertThat(events.readValue().getDetail()).isEqualTo("already RETRY_WAIT");
        assertThat(model.calls()).hasSize(1);
    }

    @Test
    void shouldRunAReplayedFailedJobOnceAndIgnoreAReplayOfACompletedOne() {
        submit(job("j-1", "acme"));
        model.last().fail(new ModelOutcome.InvalidRequest(400, Optional.empty(), "bad", Duration.ofMillis(1)));
        tick();
        JobFailure dead = acmeDlt.readValue();

        org.apache.kafka.common.header.internals.RecordHeaders replay = new org.apache.kafka.common.header.internals.RecordHeaders();
        replay.add(JobHeaders.REPLAY_OF, "tenant.acme.dlt/0/0".getBytes(StandardCharsets.UTF_8));
        acmeJobs.pipeInput(new TestRecord<>("j-1", dead.getOriginalValue().array(), replay));
        acmeJobs.pipeInput(new TestRecord<>("j-1", dead.getOriginalValue().array(), replay));
        assertThat(model.calls()).hasSize(2);
        assertThat(model.last().idempotencyKey()).as("a replay never reuses a failed call's key").isEqualTo("j-1-2");
        assertThat(state("j-1").getReplays()).isEqualTo(1);
        model.last().succeed(1, 1);
        tick();
        acmeJobs.pipeInput(new TestRecord<>("j-1", dead.getOriginalValue().array(), replay));

        assertThat(acmeResults.readValuesToList()).hasSize(1);
        assertThat(model.calls()).hasSize(2);
    }

    @Test
    void shouldIgnoreTheReplayHeaderOnAJobThatNeverFailed() {
        org.apache.kafka.common.header.internals.RecordHeaders replay = new org.apache.kafka.common.header.internals.RecordHeaders();
        replay.add(JobHeaders.REPLAY_OF, "x/0/0".getBytes(StandardCharsets.UTF_8));
        submit(job("j-1", "acme"));
        model.last().succeed(1, 1);
        tick();

        acmeJobs.pipeInput(new TestRecord<>("j-1", topics.jobRequestSerde().serializer().serialize("tenant.acme.jobs",
                job("j-1", "acme")), replay));

        assertThat(model.calls()).hasSize(1);
    }

    @Test
    void shouldRefuseAJobOfATenantOverItsHardLimitBeforeAnyCall() {
        TestInputTopic<String, io.aijobs.schema.TenantSpend> spend = driver.createInputTopic("platform.tenant-spend",
                Serdes.String().serializer(), topics.tenantSpendSerde().serializer());
        io.aijobs.schema.TenantSpend over = io.aijobs.schema.TenantSpend.newBuilder().setTenantId("acme").setPeriod("2026-11")
                .setSpentNanos(1_000).setBudgetNanos(1_000L).setHardLimitNanos(1_000L).setOverHardLimit(true).setUpdatedAt(T0).build();

        submit(job("j-0", "acme"));
        model.last().succeed(1, 1);
        tick();
        events.readRecordsToList();
        spend.pipeInput("acme", over);
        submit(job("j-1", "acme"));
        // a duplicate of a job that already ran stays a duplicate, not a BUDGET dead letter
        submit(job("j-0", "acme"));

        assertThat(events.readValuesToList()).extracting(JobEvent::getType)
                .containsExactly(JobEventType.DEAD_LETTERED, JobEventType.DUPLICATE);
        JobFailure failure = acmeDlt.readValue();
        assertThat(failure.getCategory()).isEqualTo(FailureCategory.BUDGET);
        assertThat(failure.getErrorType()).isEqualTo("budget_hard_limit");
        assertThat(acmeDlt.isEmpty()).isTrue();
        assertThat(model.calls()).hasSize(1);

        // last month's overrun does not block this month
        over.setPeriod("2026-10");
        spend.pipeInput("acme", over);
        submit(job("j-2", "acme"));
        assertThat(model.calls()).hasSize(2);
    }

    private static io.aijobs.schema.TenantPolicy.Builder acmePolicy() {
        return io.aijobs.schema.TenantPolicy.newBuilder().setTenantId("acme").setRetentionMs(86_400_000L).setUpdatedAt(T0);
    }

    private TestInputTopic<String, io.aijobs.schema.TenantPolicy> policies() {
        return driver.createInputTopic("platform.tenant-policies", Serdes.String().serializer(), topics.tenantPolicySerde().serializer());
    }

    @Test
    void shouldRefuseByTenantPolicyBeforeAnyCallModelsInputSizeAndRate() {
        policies().pipeInput("acme", acmePolicy().setAllowedModels(List.of("m")).setMaxInputBytes(10L).setRateLimitPerSecond(2.0).build());

        JobRequest otherModel = job("j-1", "acme");
        otherModel.setModel("gpt-expensive");
        submit(otherModel);
        JobRequest tooLong = job("j-2", "acme");
        tooLong.setMessages(List.of(new ChatMessage("user", "more than ten bytes")));
        submit(tooLong);
        // a burst of one second at 2 jobs/s: two pass, the third is refused; half a second later one more passes
        submit(job("j-3", "acme"));
        submit(job("j-4", "acme"));
        submit(job("j-5", "acme"));
        model.calls().get(0).succeed(1, 1);
        model.calls().get(1).succeed(1, 1);
        driver.advanceWallClockTime(Duration.ofMillis(500));
        submit(job("j-6", "acme"));

        assertThat(acmeDlt.readValuesToList()).extracting(JobFailure::getJobId, JobFailure::getCategory, JobFailure::getErrorType)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("j-1", FailureCategory.POLICY, "model_not_allowed"),
                        org.assertj.core.groups.Tuple.tuple("j-2", FailureCategory.POLICY, "input_too_large"),
                        org.assertj.core.groups.Tuple.tuple("j-5", FailureCategory.POLICY, "rate_limited"));
        assertThat(model.calls()).extracting(call -> call.idempotencyKey()).containsExactly("j-3-1", "j-4-1", "j-6-1");
    }

    @Test
    void shouldRefuseAnUnprovisionedTenantAsSecurityWhenPoliciesAreRequired() {
        driver.close();
        enforcer = new TenantPolicyEnforcer(true, io.aijobs.schema.DeadLetterContent.FULL);
        startDriver();

        var platformDlt = driver.createOutputTopic("platform.dlt", Serdes.String().deserializer(), topics.jobFailureSerde().deserializer());

        submit(job("j-1", "acme"));
        policies().pipeInput("acme", acmePolicy().build());
        submit(job("j-2", "acme"));

        // an unprovisioned tenant's own topics are not trusted: its dead letter goes to the platform's
        assertThat(acmeDlt.isEmpty()).isTrue();
        assertThat(platformDlt.readValuesToList()).singleElement().satisfies(failure -> {
            assertThat(failure.getJobId()).isEqualTo("j-1");
            assertThat(failure.getTenantId()).isEqualTo("acme");
            assertThat(failure.getCategory()).isEqualTo(FailureCategory.SECURITY);
            assertThat(failure.getErrorType()).isEqualTo("unknown_tenant");
        });
        assertThat(model.calls()).extracting(call -> call.idempotencyKey()).containsExactly("j-2-1");
    }

    @Test
    void shouldNotWriteToTheTopicsOfATenantDeletedWhileItsCallWasOpen() {
        driver.close();
        enforcer = new TenantPolicyEnforcer(true, io.aijobs.schema.DeadLetterContent.FULL);
        startDriver();
        policies().pipeInput("acme", acmePolicy().build());
        submit(job("j-1", "acme"));

        policies().pipeInput("acme", null);
        model.last().succeed(1, 1);
        tick();

        assertThat(acmeResults.isEmpty()).as("the deleted tenant's results topic is not written").isTrue();
        assertThat(usage.readValuesToList()).as("the paid call is still recorded").hasSize(1);
    }

    @Test
    void shouldKeepOnlyAHashOfTheContentInDeadLettersWhenThePolicySaysSo() throws Exception {
        policies().pipeInput("acme", acmePolicy().setAllowedModels(List.of("m"))
                .setDeadLetterContent(io.aijobs.schema.DeadLetterContent.HASH).build());
        JobRequest otherModel = job("j-1", "acme");
        otherModel.setModel("other");
        byte[] bytes = topics.jobRequestSerde().serializer().serialize("tenant.acme.jobs", otherModel);
        acmeJobs.pipeInput("j-1", bytes);

        var record = acmeDlt.readRecord();
        assertThat(record.value().getOriginalValue()).isNull();
        assertThat(new String(record.headers().lastHeader("aijobs.content-sha256").value(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes)));
        assertThat(record.value().getMessage()).doesNotContain("hello");
    }

    @Test
    void shouldPriceWithThePricesTopicsEntryInEffectAtCompletion() {
        TestInputTopic<String, io.aijobs.schema.ModelPrice> prices = driver.createInputTopic("platform.prices",
                Serdes.String().serializer(), topics.modelPriceSerde().serializer());
        prices.pipeInput("m@past", io.aijobs.schema.ModelPrice.newBuilder().setModel("m").setEffectiveFrom(T0.minusSeconds(3600))
                .setInputPerMillion("10.00").setOutputPerMillion("20.00").setVersion("topic-2").build());
        prices.pipeInput("m@future", io.aijobs.schema.ModelPrice.newBuilder().setModel("m").setEffectiveFrom(T0.plusSeconds(3600))
                .setInputPerMillion("99.00").setOutputPerMillion("99.00").setVersion("topic-3").build());

        submit(job("j-1", "acme"));
        model.last().succeed(1000, 500);
        tick();

        // 1000 at 10.00 per million + 500 at 20.00 per million = 0.02 = 20,000,000 nanos; the future entry does not apply
        JobResult result = acmeResults.readValue();
        assertThat(result.getCost().getAmountNanos()).isEqualTo(20_000_000L);
        assertThat(result.getCost().getPricingVersion()).isEqualTo("topic-2");
    }
}
