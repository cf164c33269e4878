package io.aijobs.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aijobs.contracts.JobHeaders;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.junit.DevStackExtension;
import io.aijobs.devstack.modelstub.Fault;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.producer.JobPublisher;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.JobRetry;
import io.aijobs.schema.ModelCallUsage;
import io.aijobs.serde.AvroSerdeConfig;
import io.aijobs.serde.AvroSerializer;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Failure handling on a real broker and registry: retry tiers, Retry-After, dead letters, poison, replay. */
@ExtendWith(DevStackExtension.class)
class FailureHandlingIT {

    private ModelStub stub;

    @AfterEach
    void stopStub() {
        if (stub != null) {
            stub.close();
        }
    }

    private static String header(ConsumerRecord<String, ?> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldCarryEveryJobThroughA30SecondOutageWithRetriesAndNoDeadLetter(StackEndpoints stack) throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());
        ProcessorHarness harness = new ProcessorHarness(stack);
        int jobs = 60;
        // 1, 2, 4, 8, 10, 10, 10 s: 45 s of retries at most (less jitter) outlast the 30 s outage
        Map<String, Object> config = harness.config(stub.baseUrl(), Map.of("retry.transient.backoff.max.ms", "10000"));

        stub.failAllFor(Fault.UNAVAILABLE, Duration.ofSeconds(30));
        long outageStart = System.currentTimeMillis();
        try (ProcessorApp app = ProcessorApp.start(config); JobPublisher publisher = harness.publisher()) {
            for (int i = 0; i < jobs; i++) {
                publisher.publish(harness.job("job-" + i));
            }
            publisher.flush();
            await().atMost(Duration.ofSeconds(150)).until(() -> harness.committedResults().size() >= jobs);

            List<JobResult> results = harness.committedResults();
            assertThat(results).hasSize(jobs).extracting(JobResult::getJobId).doesNotHaveDuplicates();
            assertThat(results).allSatisfy(result -> assertThat(result.getAttempts()).isGreaterThan(1));
            assertThat(harness.committed(harness.topics.deadLetter(harness.tenant))).isEmpty();
            List<ConsumerRecord<String, JobRetry>> retries = harness.committed(harness.topics.retry("transient"));
            assertThat(retries.stream().map(ConsumerRecord::key).collect(Collectors.toSet())).hasSize(jobs);
            assertThat(retries).allSatisfy(retry -> {
                assertThat(retry.value().getCategory()).isEqualTo(FailureCategory.TRANSIENT);
                assertThat(retry.value().getErrorType()).isEqualTo("http_503");
                assertThat(header(retry, JobHeaders.ATTEMPT)).isEqualTo(Integer.toString(retry.value().getFailedAttempt()));
            });
            // every attempt was one call: no Idempotency-Key was sent twice
            assertThat(stub.callsByIdempotencyKey()).allSatisfy((key, calls) -> assertThat(calls).isEqualTo(1));
            List<ModelCallUsage> usage = harness.committed(harness.topics.usage()).stream()
                    .map(ConsumerRecord::value).toList();
            assertThat(usage).filteredOn(ModelCallUsage::getProducedResult).hasSize(jobs);
            assertThat(usage).filteredOn(call -> !call.getProducedResult()).allSatisfy(call ->
                    assertThat(call.getStartedAt().toEpochMilli()).isLessThan(outageStart + 31_000));
            assertThat(app.streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
        }
    }

    @Test
    void shouldNotRetryARateLimitedCallBeforeRetryAfter(StackEndpoints stack) throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults().withRetryAfter(Duration.ofSeconds(3)));
        ProcessorHarness harness = new ProcessorHarness(stack);
        int jobs = 20;

        try (ProcessorApp app = ProcessorApp.start(harness.config(stub.baseUrl(), Map.of()));
             JobPublisher publisher = harness.publisher()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> app.streams().state() == KafkaStreams.State.RUNNING);
            // long enough that first attempts and some second ones meet it, whatever the scheduling
            stub.failAllFor(Fault.RATE_LIMIT, Duration.ofSeconds(5));
            for (int i = 0; i < jobs; i++) {
                publisher.publish(harness.job("job-" + i));
            }
            publisher.flush();
            await().atMost(Duration.ofSeconds(90)).until(() -> harness.committedResults().size() >= jobs);

            assertThat(harness.committedResults()).hasSize(jobs);
            List<JobRetry> retries = harness.committed(harness.topics.retry("rate-limited")).stream()
                    .map(ConsumerRecord::value).toList();
            assertThat(retries).isNotEmpty().allSatisfy(retry -> {
                assertThat(retry.getRetryAfterMs()).isEqualTo(3000L);
                assertThat(retry.getDelayMs()).isGreaterThanOrEqualTo(3000L);
            });
            // the next call of each rate-limited job started no earlier than Retry-After after the 429 arrived
            Map<String, List<ModelCallUsage>> calls = harness.committed(harness.topics.usage()).stream()
                    .map(ConsumerRecord::value).collect(Collectors.groupingBy(ModelCallUsage::getJobId));
            int checked = 0;
            for (List<ModelCallUsage> attempts : calls.values()) {
                attempts.sort(java.util.Comparator.comparingInt(ModelCallUsage::getAttempt));
                for (int i = 1; i < attempts.size(); i++) {
                    assertThat(attempts.get(i - 1).getOutcome()).isEqualTo(io.aijobs.schema.CallOutcome.RATE_LIMITED);
                    long waited = attempts.get(i).getStartedAt().toEpochMilli() - attempts.get(i - 1).getCompletedAt().toEpochMilli();
                    assertThat(waited).as("wait before attempt %d of %s", attempts.get(i).getAttempt(), attempts.get(i).getJobId())
                            .isGreaterThanOrEqualTo(3000L);
                    checked++;
                }
            }
            assertThat(checked).isEqualTo(retries.size());
        }
    }

    @Test
    void shouldDeadLetterAPermanentErrorAfterExactlyOneAttempt(StackEndpoints stack) throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());
        ProcessorHarness harness = new ProcessorHarness(stack);
        JobRequest bad = harness.job("bad-1");
        bad.setMessages(List.of(new ChatMessage("user", "[[stub:invalid_request]] please")));

        try (ProcessorApp app = ProcessorApp.start(harness.config(stub.baseUrl(), Map.of()));
             JobPublisher publisher = harness.publisher()) {
            publisher.publish(bad);
            publisher.publish(harness.job("good-1"));
            publisher.flush();
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    !harness.committed(harness.topics.deadLetter(harness.tenant)).isEmpty()
                            && harness.committedResults().size() == 1);

            ConsumerRecord<String, JobFailure> dead = harness.committed(harness.topics.deadLetter(harness.tenant))
                    .get(0);
            assertThat(dead.key()).isEqualTo("bad-1");
            assertThat(dead.value().getCategory()).isEqualTo(FailureCategory.PERMANENT);
            assertThat(dead.value().getErrorType()).isEqualTo("http_400");
            assertThat(dead.value().getAttempts()).isEqualTo(1);
            assertThat(dead.value().getOriginalValue()).isNotNull();
            assertThat(header(dead, JobHeaders.CATEGORY)).isEqualTo("PERMANENT");
            assertThat(header(dead, JobHeaders.ATTEMPT)).isEqualTo("1");
            assertThat(header(dead, JobHeaders.TENANT)).isEqualTo("acme");
            assertThat(header(dead, JobHeaders.STREAMS_ERRORS_EXCEPTION)).isEqualTo("http_400");
            assertThat(header(dead, JobHeaders.STREAMS_ERRORS_TOPIC)).isEqualTo(harness.names.jobs(harness.tenant));
            assertThat(header(dead, JobHeaders.STREAMS_ERRORS_OFFSET)).isEqualTo(Long.toString(dead.value().getOrigin().getOffset()));
            assertThat(stub.callsByIdempotencyKey()).containsEntry("bad-1-1", 1).doesNotContainKey("bad-1-2");
            assertThat(harness.committed(harness.topics.retry("transient"))).isEmpty();
        }
    }

    @Test
    void shouldDeadLetterAThousandPoisonRecordsWithTheirBytesAndKeepAnsweringGoodJobs(StackEndpoints stack) throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());
        ProcessorHarness harness = new ProcessorHarness(stack);
        String jobsTopic = harness.names.jobs(harness.tenant);
        int poisonCount = 1000;
        int good = 200;
        Random random = new Random(7);
        try (RestSchemaRegistryClient registry = new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10))) {
            AvroSerdeConfig serde = new AvroSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl(),
                    AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true));
            AvroSerializer<JobRequest> jobs = new AvroSerializer<>(registry, serde, false);
            AvroSerializer<JobResult> results = new AvroSerializer<>(registry, serde, false);
            byte[] wellFormed = jobs.serialize(jobsTopic, harness.job("template"));
            JobResult notAJob = JobResult.newBuilder().setJobId("x").setTenantId("acme").setModel("m").setOutput("o")
                    .setFinishReason("stop").setInputTokens(1).setOutputTokens(1)
                    .setCost(io.aijobs.schema.Cost.newBuilder().setAmountNanos(0).setCurrency("USD").setPricingVersion("v")
                            .setPriced(true).build())
                    .setAttempts(1).setTimings(io.aijobs.schema.JobTimings.newBuilder().setSubmittedAt(java.time.Instant.now())
                            .setStartedAt(java.time.Instant.now()).setCompletedAt(java.time.Instant.now()).setModelLatencyMs(1).build())
                    .build();
            // registered under the results subject: a valid id, but of a schema that is not a job
            byte[] wrongSchema = results.serialize(harness.names.results(harness.tenant), notAJob);

            List<String> poisonSent = new ArrayList<>();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                    "bootstrap.servers", stack.bootstrapServers(), "enable.idempotence", true, "acks", "all",
                    "max.in.flight.requests.per.connection", 1), new StringSerializer(), new ByteArraySerializer());
                 JobPublisher publisher = harness.publisher()) {
                for (int i = 0; i < poisonCount; i++) {
                    byte[] bytes = switch (i % 5) {
                        case 0 -> { // wrong magic byte
                            byte[] b = wellFormed.clone();
                            b[0] = 1;
                            yield b;
                        }
                        case 1 -> { // unknown schema id
                            byte[] b = wellFormed.clone();
                            ByteBuffer.wrap(b).putInt(1, 1_900_000_000 + i);
                            yield b;
                        }
                        case 2 -> java.util.Arrays.copyOf(wellFormed, 5 + random.nextInt(wellFormed.length - 6)); // truncated
                        case 3 -> { // random bytes
                            byte[] b = new byte[1 + random.nextInt(64)];
                            random.nextBytes(b);
                            yield b;
                        }
                        default -> wrongSchema.clone();
                    };
                    poisonSent.add(Base64.getEncoder().encodeToString(bytes));
                    producer.send(new ProducerRecord<>(jobsTopic, "poison-" + i, bytes));
                    if (i % 5 == 0) {
                        publisher.publish(harness.job("job-" + (i / 5)));
                    }
                }
                producer.flush();
                publisher.flush();
            }
            assertThat(poisonSent).hasSize(poisonCount);

            try (ProcessorApp app = ProcessorApp.start(harness.config(stub.baseUrl(), Map.of()))) {
                await().atMost(Duration.ofSeconds(120)).until(() -> harness.committedResults().size() >= good
                        && harness.committed(harness.topics.deadLetter(harness.tenant)).size() >= poisonCount);

                List<JobFailure> dead = harness.committed(harness.topics.deadLetter(harness.tenant)).stream()
                        .map(ConsumerRecord::value).toList();
                assertThat(dead).hasSize(poisonCount).allSatisfy(failure -> {
                    assertThat(failure.getCategory()).isEqualTo(FailureCategory.POISON);
                    assertThat(failure.getTenantId()).isEqualTo("acme");
                    assertThat(failure.getAttempts()).isZero();
                });
                List<String> poisonKept = dead.stream().map(failure -> {
                    ByteBuffer value = failure.getOriginalValue().duplicate();
                    byte[] bytes = new byte[value.remaining()];
                    value.get(bytes);
                    return Base64.getEncoder().encodeToString(bytes);
                }).toList();
                // every poison record once, byte for byte (as a multiset: some kinds repeat the same bytes)
                assertThat(poisonKept).containsExactlyInAnyOrderElementsOf(poisonSent);
                assertThat(harness.committedResults()).hasSize(good).extracting(JobResult::getJobId).doesNotHaveDuplicates();
                assertThat(stub.callsByIdempotencyKey()).hasSize(good);
                assertThat(app.streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
                // the poison flood crossed the category threshold (50 in the window): one FIRING alert
                await().atMost(Duration.ofSeconds(60)).until(() -> firing(harness, "dlt-category/POISON") == 1);
            }

            // a new instance (fresh state folder: the alert state comes back from the changelog) sees more poison:
            // the alert is still firing, so no second FIRING record
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                    "bootstrap.servers", stack.bootstrapServers(), "enable.idempotence", true, "acks", "all",
                    "max.in.flight.requests.per.connection", 1), new StringSerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < 100; i++) {
                    producer.send(new ProducerRecord<>(jobsTopic, "late-poison-" + i, new byte[] {9, 9, 9}));
                }
            }
            try (ProcessorApp app = ProcessorApp.start(harness.config(stub.baseUrl(), Map.of()))) {
                await().atMost(Duration.ofSeconds(120)).until(() ->
                        harness.committed(harness.topics.deadLetter(harness.tenant)).size() >= poisonCount + 100);
                assertThat(firing(harness, "dlt-category/POISON")).isEqualTo(1);
                // per alert key, states alternate FIRING, RESOLVED, FIRING, ...: never two FIRINGs for one crossing,
                // also across the restart
                List<io.aijobs.schema.Alert> tenantAlerts = harness.committed(harness.topics.tenantAlerts(harness.tenant)).stream().map(ConsumerRecord::value).toList();
                List<io.aijobs.schema.AlertState> dltRate = tenantAlerts.stream()
                        .filter(alert -> alert.getAlertKey().equals("dlt-rate/tenant/acme")).map(io.aijobs.schema.Alert::getState).toList();
                assertThat(dltRate).isNotEmpty().first().isEqualTo(io.aijobs.schema.AlertState.FIRING);
                for (int i = 1; i < dltRate.size(); i++) {
                    assertThat(dltRate.get(i)).as("alert %d of %s", i, dltRate).isNotEqualTo(dltRate.get(i - 1));
                }
            }
        }
    }

    private static long firing(ProcessorHarness harness, String alertKey) {
        return harness.committed(harness.topics.alerts()).stream()
                .map(ConsumerRecord::value)
                .filter(alert -> alert.getAlertKey().equals(alertKey) && alert.getState() == io.aijobs.schema.AlertState.FIRING)
                .count();
    }
}
