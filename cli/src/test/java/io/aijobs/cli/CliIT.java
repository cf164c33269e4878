package io.aijobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicNames;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.junit.DevStackExtension;
import io.aijobs.schema.Cost;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.JobTimings;
import io.aijobs.serde.AvroDeserializer;
import io.aijobs.serde.AvroSerdeConfig;
import io.aijobs.serde.AvroSerializer;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The command line against a real broker and registry. */
@ExtendWith(DevStackExtension.class)
class CliIT {

    private static String[] withStack(StackEndpoints stack, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--bootstrap-servers", stack.bootstrapServers(), "--registry-url", stack.schemaRegistryUrl()));
        return all.toArray(String[]::new);
    }

    @Test
    void shouldPublishAFileAsConfluentFramedJobsThatAPlainConsumerDecodes(StackEndpoints stack, @TempDir Path dir) throws Exception {
        String tenant = "cli-" + UUID.randomUUID().toString().substring(0, 8);
        Path file = dir.resolve("jobs.jsonl");
        Files.writeString(file, "{\"jobId\":\"j-1\",\"tenantId\":\"" + tenant + "\",\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n"
                + "{\"jobId\":\"j-2\",\"tenantId\":\"" + tenant + "\",\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"yo\"}]}\n");

        CliRun run = CliRun.of(withStack(stack, "produce", "--file", file.toString()));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Sent 2 of 2 jobs to 1 tenant(s)");
        String topic = TopicNames.defaults().jobs(TenantId.of(tenant));
        List<ConsumerRecord<String, byte[]>> raw = consume(stack, topic, 2, new ByteArrayDeserializer());
        RestSchemaRegistryClient registry = new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10));
        for (ConsumerRecord<String, byte[]> record : raw) {
            assertThat(record.value()[0]).isZero();
            assertThat(registry.schemaById(ByteBuffer.wrap(record.value(), 1, 4).getInt()).getFullName())
                    .isEqualTo("io.aijobs.schema.JobRequest");
        }
        List<ConsumerRecord<String, JobRequest>> decoded = consume(stack, topic, 2, new AvroDeserializer<>(JobRequest.class, registry));
        assertThat(decoded).extracting(r -> r.value().getJobId()).containsExactlyInAnyOrder("j-1", "j-2");
    }

    @Test
    void shouldPublishJobsWithTheTraceContextGiven(StackEndpoints stack, @TempDir Path dir) throws Exception {
        String tenant = "trace-" + UUID.randomUUID().toString().substring(0, 8);
        Path file = dir.resolve("jobs.jsonl");
        Files.writeString(file, "{\"jobId\":\"j-1\",\"tenantId\":\"" + tenant + "\",\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n");
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

        CliRun run = CliRun.of(withStack(stack, "produce", "--file", file.toString(), "--traceparent", traceparent,
                "--tracestate", "vendor=abc"));

        assertThat(run.exitCode()).as(run.err()).isZero();
        ConsumerRecord<String, byte[]> record = consume(stack, TopicNames.defaults().jobs(TenantId.of(tenant)), 1,
                new ByteArrayDeserializer()).get(0);
        assertThat(new String(record.headers().lastHeader("traceparent").value(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(traceparent);
        assertThat(new String(record.headers().lastHeader("tracestate").value(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("vendor=abc");
    }

    @Test
    void shouldGenerateJobsAcrossTenants(StackEndpoints stack) {
        CliRun run = CliRun.of(withStack(stack, "produce", "--generate", "30", "--tenants", "3"));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Sent 30 of 30 jobs to 3 tenant(s)")
                .containsPattern("demo-1\\s+10\\n").containsPattern("demo-3\\s+10");
    }

    @Test
    void shouldPrintOnlyCommittedResultsDecoded(StackEndpoints stack) throws Exception {
        String tenant = "res-" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(CliRun.of(withStack(stack, "schemas", "register", "--tenant", tenant)).exitCode()).isZero();
        String topic = TopicNames.defaults().results(TenantId.of(tenant));
        new io.aijobs.cli.CliIT.TopicCreator(stack).create(topic);
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "cli-it-" + tenant);
        AvroSerializer<JobResult> serializer = new AvroSerializer<>(
                new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10)),
                new AvroSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl())), false);
        try (KafkaProducer<String, JobResult> producer = new KafkaProducer<>(config, new StringSerializer(), serializer)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "j-1", result("j-1", tenant)));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "j-aborted", result("j-aborted", tenant)));
            producer.flush();
            producer.abortTransaction();
        }

        CliRun run = CliRun.of(withStack(stack, "results", "--tenant", tenant));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("\"jobId\":\"j-1\"").contains("\"costNanos\":1500").doesNotContain("j-aborted");
        assertThat(run.err()).contains("1 result(s) for tenant " + tenant);
    }

    @Test
    void shouldRegisterContractSubjectsIdempotently(StackEndpoints stack) {
        String tenant = "sch-" + UUID.randomUUID().toString().substring(0, 8);

        CliRun first = CliRun.of(withStack(stack, "schemas", "register", "--tenant", tenant));
        CliRun second = CliRun.of(withStack(stack, "schemas", "register", "--tenant", tenant));

        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out()).contains("tenant." + tenant + ".jobs-value").contains("platform.usage-value");
        assertThat(second.out()).isEqualTo(first.out());
    }

    @Test
    void shouldCreateTopicsAndRegisterSubjectsUnderConfiguredPrefixesAndRetryTiers(StackEndpoints stack) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String tenantPrefix = "c" + run + ".tenant.";
        String platformPrefix = "c" + run + ".platform.";

        CliRun create = CliRun.of(withStack(stack, "tenant", "create", "acme", "--tenant-topic-prefix", tenantPrefix,
                "--platform-topic-prefix", platformPrefix, "--retry-tiers", "slow"));

        assertThat(create.exitCode()).as(create.err()).isZero();
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            assertThat(admin.listTopics().names().get(30, java.util.concurrent.TimeUnit.SECONDS))
                    .contains(tenantPrefix + "acme.jobs", tenantPrefix + "acme.results", platformPrefix + "retry.slow",
                            platformPrefix + "tenant-policies")
                    .doesNotContain(platformPrefix + "retry.transient", platformPrefix + "retry.rate-limited");
        }
        RestSchemaRegistryClient registry = new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10));
        assertThat(registry.subjects()).contains(tenantPrefix + "acme.jobs-value", platformPrefix + "retry.slow-value",
                platformPrefix + "usage-value").doesNotContain(platformPrefix + "retry.transient-value");
    }

    @Test
    void shouldWriteTheCostLeversChosenAtTenantCreateIntoItsPolicy(StackEndpoints stack) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String platformPrefix = "l" + run + ".platform.";

        CliRun create = CliRun.of(withStack(stack, "tenant", "create", "acme", "--tenant-topic-prefix", "l" + run + ".tenant.",
                "--platform-topic-prefix", platformPrefix, "--cache-ttl", "PT1H", "--batch-jobs"));

        assertThat(create.exitCode()).as(create.err()).isZero();
        assertThat(create.out()).contains("response cache PT1H (temperature 0), batches all jobs");
        RestSchemaRegistryClient registry = new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10));
        io.aijobs.schema.TenantPolicy policy = consume(stack, platformPrefix + "tenant-policies", 1,
                new AvroDeserializer<>(io.aijobs.schema.TenantPolicy.class, registry)).get(0).value();
        assertThat(policy.getBatchJobs()).isTrue();
        assertThat(policy.getResponseCacheTtlMs()).isEqualTo(3_600_000L);
    }

    @Test
    void shouldProvisionATenantOnAStackWithoutSecurityAndSayWhatNeedsTheSecureProfile(StackEndpoints stack) {
        String tenant = "plain-" + UUID.randomUUID().toString().substring(0, 8);

        CliRun run = CliRun.of(withStack(stack, "tenant", "create", tenant));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("topics [tenant." + tenant + ".jobs")
                .contains("schemas registered: tenant." + tenant + ".jobs-value, tenant." + tenant + ".results-value")
                .contains("no principal, ACLs or quotas: this broker has no authorizer").contains("--secure");
        assertThat(run.err()).doesNotContain("Exception");
        RestSchemaRegistryClient registry = new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10));
        assertThat(registry.latest("tenant." + tenant + ".jobs-value").schema().getFullName()).isEqualTo("io.aijobs.schema.JobRequest");
    }

    private static JobResult result(String jobId, String tenant) {
        Instant now = Instant.parse("2026-11-27T10:00:00Z");
        return JobResult.newBuilder().setJobId(jobId).setTenantId(tenant).setModel("m").setOutput("ok")
                .setFinishReason("stop").setInputTokens(10).setOutputTokens(5)
                .setCost(Cost.newBuilder().setAmountNanos(1500).setPricingVersion("test-1").build())
                .setAttempts(1)
                .setTimings(JobTimings.newBuilder().setSubmittedAt(now).setStartedAt(now).setCompletedAt(now).setModelLatencyMs(20).build())
                .build();
    }

    private static <V> List<ConsumerRecord<String, V>> consume(StackEndpoints stack, String topic, int expected,
                                                              org.apache.kafka.common.serialization.Deserializer<V> deserializer) {
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "cli-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), deserializer)) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, V>> records = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= expected;
            });
            return records;
        }
    }

    @Test
    void shouldListDeadLettersAndReplayTheChosenOnesWithTheirJobIds(StackEndpoints stack) throws Exception {
        String tenant = "dlt-" + UUID.randomUUID().toString().substring(0, 8);
        TopicNames names = TopicNames.defaults();
        TopicCreator topics = new TopicCreator(stack);
        topics.create(names.jobs(TenantId.of(tenant)));
        topics.create(names.deadLetter(TenantId.of(tenant)));
        RestSchemaRegistryClient registry = new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10));
        AvroSerdeConfig serde = new AvroSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl(),
                AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true));
        JobRequest job = JobRequest.newBuilder().setJobId("j-9").setTenantId(tenant).setModel("m")
                .setMessages(List.of(new io.aijobs.schema.ChatMessage("user", "hi")))
                .setParameters(io.aijobs.schema.JobParameters.newBuilder().build()).setSubmittedAt(Instant.now()).build();
        byte[] jobBytes = new AvroSerializer<JobRequest>(registry, serde, false).serialize(names.jobs(TenantId.of(tenant)), job);
        AvroSerializer<io.aijobs.schema.JobFailure> failures = new AvroSerializer<>(registry, serde, false);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.bootstrapServers()), new StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            String dlt = names.deadLetter(TenantId.of(tenant));
            producer.send(new ProducerRecord<>(dlt, "j-9", failures.serialize(dlt, failure("j-9", tenant,
                    io.aijobs.schema.FailureCategory.PERMANENT, ByteBuffer.wrap(jobBytes))))).get(30, java.util.concurrent.TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>(dlt, null, failures.serialize(dlt, failure(null, tenant,
                    io.aijobs.schema.FailureCategory.POISON, ByteBuffer.wrap(new byte[] {1, 2, 3}))))).get(30, java.util.concurrent.TimeUnit.SECONDS);
            // j-9 failed again after an earlier replay: a second dead letter of the same job
            producer.send(new ProducerRecord<>(dlt, "j-9", failures.serialize(dlt, failure("j-9", tenant,
                    io.aijobs.schema.FailureCategory.PERMANENT, ByteBuffer.wrap(jobBytes))))).get(30, java.util.concurrent.TimeUnit.SECONDS);
        }

        CliRun list = CliRun.of(withStack(stack, "dlt", "list", "--tenant", tenant));
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out()).contains("j-9").contains("PERMANENT").contains("(undecoded)").contains("POISON")
                .contains("3 dead letter(s)");
        CliRun onlyPoison = CliRun.of(withStack(stack, "dlt", "list", "--tenant", tenant, "--category", "poison", "--since", "1h"));
        assertThat(onlyPoison.out()).contains("1 dead letter(s)").doesNotContain("j-9");

        CliRun dryRun = CliRun.of(withStack(stack, "dlt", "replay", "--tenant", tenant, "--all", "--dry-run"));
        assertThat(dryRun.exitCode()).as(dryRun.err()).isZero();
        assertThat(dryRun.out()).contains("would republish job j-9").contains("still undecodable")
                .contains("an older dead letter of job j-9").contains("Dry run: 1 of 3 dead letter(s) would be replayed");

        CliRun replay = CliRun.of(withStack(stack, "dlt", "replay", "--tenant", tenant, "--job-id", "j-9"));
        assertThat(replay.exitCode()).as(replay.err()).isZero();
        assertThat(replay.out()).contains("Replayed 1 of 2 dead letter(s)");
        List<ConsumerRecord<String, byte[]>> republished = consume(stack, names.jobs(TenantId.of(tenant)), 1,
                new ByteArrayDeserializer());
        assertThat(republished).singleElement().satisfies(record -> {
            assertThat(record.key()).isEqualTo("j-9");
            assertThat(record.value()).isEqualTo(jobBytes);
            assertThat(new String(record.headers().lastHeader(io.aijobs.contracts.JobHeaders.REPLAY_OF).value()))
                    .isEqualTo(names.deadLetter(TenantId.of(tenant)) + "/0/2");
        });
    }

    private static io.aijobs.schema.JobFailure failure(String jobId, String tenant, io.aijobs.schema.FailureCategory category,
                                                       ByteBuffer original) {
        return io.aijobs.schema.JobFailure.newBuilder().setJobId(jobId).setTenantId(tenant).setCategory(category)
                .setErrorType(jobId == null ? "deserialization" : "http_400").setMessage("test failure").setAttempts(jobId == null ? 0 : 1)
                .setFirstFailureAt(Instant.now()).setLastFailureAt(Instant.now())
                .setOrigin(io.aijobs.schema.RecordOrigin.newBuilder().setTopic("t").setPartition(0).setOffset(0).build())
                .setOriginalValue(original).build();
    }

    /** Creates topics the way the dev stack does. */
    record TopicCreator(StackEndpoints stack) {
        void create(String topic) throws Exception {
            try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                    Map.of("bootstrap.servers", stack.bootstrapServers()))) {
                admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1)))
                        .all().get(30, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }
}
