package io.aijobs.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicNames;
import io.aijobs.contracts.Topics;
import io.aijobs.costs.CostAggregatorApp;
import io.aijobs.costs.CostAggregatorConfig;
import io.aijobs.devstack.DevStack;
import io.aijobs.devstack.KafkaBroker;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.StackSettings;
import io.aijobs.devstack.TopicReadiness;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.processor.ProcessorApp;
import io.aijobs.processor.ProcessorConfig;
import io.aijobs.producer.JobPublisher;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.UsageAggregate;
import io.aijobs.serde.AvroDeserializer;
import io.aijobs.serde.AvroSerdeConfig;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tries to break tenant isolation on a secure broker (SASL/SCRAM-SHA-512, StandardAuthorizer, deny by default), with
 * the processor and the cost aggregator running under their own least-privilege principals and two tenants
 * provisioned by {@link TenantProvisioner}: {@code acme} and {@code acmeco}, whose names share a prefix on purpose.
 */
class IsolationIT {

    private static final Logger log = LoggerFactory.getLogger(IsolationIT.class);
    private static final TopicNames NAMES = TopicNames.defaults();
    private static final io.aijobs.contracts.TopicCatalog CATALOG = io.aijobs.contracts.TopicCatalog.of(NAMES);
    private static final TenantId A = TenantId.of("acme");
    private static final TenantId B = TenantId.of("acmeco");
    private static final String PROCESSOR_APP = "aijobs-processor-iso";
    private static final String AGGREGATOR_APP = "aijobs-cost-aggregator-iso";
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static DevStack stack;
    private static StackSettings settings;
    private static StackEndpoints endpoints;
    private static Admin admin;
    private static ModelStub model;
    private static ProcessorApp processor;
    private static CostAggregatorApp aggregator;
    private static TenantProvisioner provisioner;
    private static Topics topics;
    private static final Map<TenantId, String> passwords = new HashMap<>();

    @BeforeAll
    static void up() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "secure-stack-");
        settings = StackSettings.ephemeral(dir).withSecure(true);
        stack = DevStack.up(settings, false, log::info);
        endpoints = stack.endpoints();
        admin = Admin.create(endpoints.adminClientConfig());
        createPlatformTopics();
        ApplicationAccess.Principals apps = ApplicationAccess.Principals.defaults(PROCESSOR_APP, AGGREGATOR_APP);
        ApplicationAccess.grant(admin, CATALOG, apps, "processor-secret", "aggregator-secret");
        // the operator registers; the applications and the tenants only read (auto-registration off)
        RestSchemaRegistryClient operator = RestSchemaRegistryClient.create(endpoints.registryAdminConfig());
        CATALOG.valueSchemasByTopic(List.of()).forEach((topic, schema) -> operator.register(topic + "-value", schema));
        topics = new Topics(CATALOG, operator, new AvroSerdeConfig(endpoints.registryAdminConfig()));
        provisioner = new TenantProvisioner(admin, endpoints.adminClientConfig(), topics, operator, apps, Clock.systemUTC());
        for (TenantId tenant : List.of(A, B)) {
            passwords.put(tenant, provisioner.create(TenantSpec.of(tenant)).newPassword().orElseThrow());
        }
        model = ModelStub.start(ModelStubConfig.defaults());
        processor = ProcessorApp.start(processorConfig());
        aggregator = CostAggregatorApp.start(aggregatorConfig());
        await().atMost(WAIT).until(() -> processor.streams().state() == KafkaStreams.State.RUNNING
                && aggregator.streams().state() == KafkaStreams.State.RUNNING);
    }

    @AfterAll
    static void down() {
        for (AutoCloseable closeable : new AutoCloseable[] {aggregator, processor, model, admin, stack}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                log.warn("Closing {} failed", closeable, e);
            }
        }
    }

    private static void createPlatformTopics() throws Exception {
        List<NewTopic> topics = CATALOG.platformTopics().stream().map(spec -> spec.newTopic(Map.of())).toList();
        admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
        TopicReadiness.await(admin, topics.stream().map(NewTopic::name).toList(), Duration.ofSeconds(60));
    }

    private static Map<String, Object> processorConfig() throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(ProcessorConfig.APPLICATION_ID_CONFIG, PROCESSOR_APP);
        props.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers());
        props.putAll(endpoints.registryReaderConfig());
        props.put(ProcessorConfig.MODEL_BASE_URL_CONFIG, model.baseUrl());
        props.put(ProcessorConfig.PRICING_MODELS_CONFIG, "stub-model=1.00:2.00");
        props.put(ProcessorConfig.TENANT_DISCOVERY_INTERVAL_MS_CONFIG, "2000");
        props.put(ProcessorConfig.TENANT_POLICY_REQUIRED_CONFIG, "true");
        props.put(ProcessorConfig.STREAMS_PREFIX + "state.dir", Files.createTempDirectory("iso-processor-").toString());
        KafkaBroker.clientSecurity(ApplicationAccess.Principals.DEFAULT_PROCESSOR_USER, "processor-secret")
                .forEach((key, value) -> props.put(ProcessorConfig.STREAMS_PREFIX + key, value));
        return props;
    }

    private static Map<String, Object> aggregatorConfig() throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(CostAggregatorConfig.APPLICATION_ID_CONFIG, AGGREGATOR_APP);
        props.put(CostAggregatorConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers());
        props.putAll(endpoints.registryReaderConfig());
        props.put(CostAggregatorConfig.EMIT_INTERVAL_MS_CONFIG, "1000");
        props.put(CostAggregatorConfig.STREAMS_PREFIX + "state.dir", Files.createTempDirectory("iso-aggregator-").toString());
        KafkaBroker.clientSecurity(ApplicationAccess.Principals.DEFAULT_AGGREGATOR_USER, "aggregator-secret")
                .forEach((key, value) -> props.put(CostAggregatorConfig.STREAMS_PREFIX + key, value));
        return props;
    }

    /** Client properties of a tenant's principal. */
    private static Map<String, Object> as(TenantId tenant) {
        return as(TenantProvisioner.principalName(tenant), passwords.get(tenant));
    }

    private static Map<String, Object> as(String user, String password) {
        Map<String, Object> config = new HashMap<>(KafkaBroker.clientSecurity(user, password));
        config.put("bootstrap.servers", endpoints.bootstrapServers());
        return config;
    }

    private static JobPublisher publisher(TenantId tenant) {
        Map<String, Object> config = new HashMap<>(as(tenant));
        config.putAll(endpoints.registryReaderConfig());
        config.put("max.block.ms", 10_000);
        config.put("delivery.timeout.ms", 15_000);
        config.put("request.timeout.ms", 5_000);
        return JobPublisher.create(config);
    }

    private static JobRequest job(String jobId, TenantId payloadTenant) {
        return JobRequest.newBuilder().setJobId(jobId).setTenantId(payloadTenant.value()).setModel("stub-model")
                .setMessages(List.of(new ChatMessage("user", "Summarise " + jobId)))
                .setParameters(JobParameters.newBuilder().setMaxOutputTokens(16).build()).setSubmittedAt(Instant.now()).build();
    }

    /** Reads {@code topic} from the start as {@code config}'s principal until {@code done}, or fails with what it met. */
    private static <V> List<ConsumerRecord<String, byte[]>> read(Map<String, Object> config, String topic, String group,
                                                                 Duration atMost, java.util.function.Predicate<List<ConsumerRecord<String, byte[]>>> done) {
        Map<String, Object> consumerConfig = new HashMap<>(config);
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + atMost.toNanos();
            while (System.nanoTime() < deadline && !done.test(records)) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static <V extends org.apache.avro.specific.SpecificRecord> V decode(Class<V> type, String topic, byte[] value) {
        try (AvroDeserializer<V> deserializer = new AvroDeserializer<>(type,
                RestSchemaRegistryClient.create(endpoints.registryReaderConfig()))) {
            return deserializer.deserialize(topic, value);
        }
    }

    private static long endOffsets(String topic) throws Exception {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(endpoints.adminClientConfig(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
            return consumer.endOffsets(partitions, Duration.ofSeconds(30)).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    @Test
    void shouldAnswerAndAggregateATenantsJobWithTheTenantAndBothApplicationsUnderTheirOwnPrincipals() throws Exception {
        // ACLs reach the authorizer a moment after they are created: the first publish may be refused
        try (JobPublisher publisher = publisher(A)) {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> publisher.publishAndWait(job("iso-ok-1", A), Duration.ofSeconds(10)) != null);
        }

        List<ConsumerRecord<String, byte[]>> results = read(as(A), NAMES.results(A), NAMES.tenantAclPrefix(A) + "reader", WAIT,
                records -> !records.isEmpty());

        assertThat(results).singleElement().satisfies(record -> {
            JobResult result = decode(JobResult.class, NAMES.results(A), record.value());
            assertThat(result.getJobId()).isEqualTo("iso-ok-1");
            assertThat(result.getTenantId()).isEqualTo("acme");
        });
        // the cost aggregator, under its own principal, counted the call
        List<ConsumerRecord<String, byte[]>> aggregates = read(endpoints.adminClientConfig(), NAMES.usageAggregates(), "iso-admin-reader",
                WAIT, records -> records.stream().anyMatch(r -> r.key().contains("/acme/")));
        assertThat(aggregates).anySatisfy(record -> assertThat(decode(UsageAggregate.class, NAMES.usageAggregates(), record.value())
                .getTenantId()).isEqualTo("acme"));
    }

    @Test
    void shouldAnswerTheSameJobIdInTwoTenantsEachFromItsOwnPromptIntoItsOwnResultsOnly() throws Exception {
        JobRequest fromA = job("shared-1", A);
        JobRequest fromB = JobRequest.newBuilder(job("shared-1", B))
                .setMessages(List.of(new ChatMessage("user", "B's much longer question ".repeat(16)))).build();
        for (Map.Entry<TenantId, JobRequest> entry : Map.of(A, fromA, B, fromB).entrySet()) {
            try (JobPublisher publisher = publisher(entry.getKey())) {
                await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .until(() -> publisher.publishAndWait(entry.getValue(), Duration.ofSeconds(10)) != null);
            }
        }

        Map<TenantId, JobResult> answers = new HashMap<>();
        for (TenantId tenant : List.of(A, B)) {
            List<JobResult> results = read(as(tenant), NAMES.results(tenant), NAMES.tenantAclPrefix(tenant) + "shared-reader", WAIT,
                    records -> records.stream().anyMatch(r -> "shared-1".equals(r.key()))).stream()
                    .map(record -> decode(JobResult.class, NAMES.results(tenant), record.value())).toList();
            assertThat(results).as("results of %s", tenant).allSatisfy(result -> assertThat(result.getTenantId()).isEqualTo(tenant.value()));
            answers.put(tenant, results.stream().filter(result -> result.getJobId().equals("shared-1")).findFirst().orElseThrow());
        }

        // the stub's answer and token counts follow the prompt: each tenant got the answer to its own question
        assertThat(answers.get(A).getInputTokens()).isLessThan(answers.get(B).getInputTokens());
        assertThat(answers.get(A).getOutput()).isEqualTo("Stub answer (" + answers.get(A).getInputTokens() + " prompt tokens).");
        assertThat(answers.get(B).getOutput()).isEqualTo("Stub answer (" + answers.get(B).getInputTokens() + " prompt tokens).");
    }

    @Test
    void shouldRefuseEachApplicationPrincipalWhatItsApplicationDoesNotNeed() throws Exception {
        Map<String, Object> processor = as(ApplicationAccess.Principals.DEFAULT_PROCESSOR_USER, "processor-secret");
        Map<String, Object> aggregator = as(ApplicationAccess.Principals.DEFAULT_AGGREGATOR_USER, "aggregator-secret");

        // the processor follows policies, spend and prices but never writes them, nor the aggregates, nor a tenant's jobs
        assertWriteRefused(processor, NAMES.tenantPolicies(), NAMES.tenantSpend(), NAMES.prices(), NAMES.usageAggregates(),
                NAMES.jobs(A));
        // the aggregator writes aggregates, spend and alerts only: never a tenant's results, jobs or dead letters, nor policies
        assertWriteRefused(aggregator, NAMES.results(A), NAMES.jobs(A), NAMES.deadLetter(A), NAMES.tenantPolicies(), NAMES.prices());
        // each reads only what its topology reads
        assertReadRefused(processor, NAMES.results(A), NAMES.usageAggregates());
        assertReadRefused(aggregator, NAMES.jobs(A), NAMES.results(A), NAMES.deadLetter(A), NAMES.jobEvents());
        // neither creates topics outside its application id, nor changes ACLs
        for (Map<String, Object> application : List.of(processor, aggregator)) {
            try (Admin client = Admin.create(application)) {
                assertThatThrownBy(() -> client.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(
                        NAMES.tenantPrefix() + "forged.jobs", 1, (short) 1))).all().get(30, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(TopicAuthorizationException.class);
                assertThatThrownBy(() -> client.createAcls(List.of(TenantProvisioner.allow(org.apache.kafka.common.resource.ResourceType.TOPIC,
                        NAMES.results(B), org.apache.kafka.common.resource.PatternType.LITERAL, "User:intruder",
                        org.apache.kafka.common.acl.AclOperation.READ))).all().get(30, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(org.apache.kafka.common.errors.ClusterAuthorizationException.class);
            }
        }
    }

    private static void assertWriteRefused(Map<String, Object> client, String... topics) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(withTimeouts(client), new StringSerializer(),
                new ByteArraySerializer())) {
            for (String topic : topics) {
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "forged", new byte[] {1})).get(30, TimeUnit.SECONDS))
                        .as("writing %s", topic).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicAuthorizationException.class);
            }
        }
    }

    /** Fetching (without a consumer group, so only the topic's READ is at stake) is refused, within a bounded wait. */
    private static void assertReadRefused(Map<String, Object> client, String... topics) {
        Map<String, Object> config = new HashMap<>(client);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            for (String topic : topics) {
                assertThatThrownBy(() -> {
                    consumer.assign(List.of(new TopicPartition(topic, 0)));
                    consumer.seekToBeginning(List.of(new TopicPartition(topic, 0)));
                    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    while (System.nanoTime() < deadline) {
                        consumer.poll(Duration.ofMillis(200));
                    }
                }).as("reading %s", topic).isInstanceOf(TopicAuthorizationException.class);
            }
        }
    }

    @Test
    void shouldRefuseTenantAEveryResourceOfTenantBAndOfThePlatform() throws Exception {
        long bJobsBefore = endOffsets(NAMES.jobs(B));
        long bResultsBefore = endOffsets(NAMES.results(B));

        // read B's results and dead letters, and platform topics, with A's own consumer group
        for (String topic : List.of(NAMES.results(B), NAMES.deadLetter(B), NAMES.usage(), NAMES.tenantPolicies(), NAMES.jobEvents())) {
            assertThatThrownBy(() -> read(as(A), topic, NAMES.tenantAclPrefix(A) + "snoop", Duration.ofSeconds(20), records -> false))
                    .as("reading %s as tenant A", topic).isInstanceOf(TopicAuthorizationException.class);
        }
        // write a job into B's jobs topic
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(withTimeouts(as(A)), new StringSerializer(), new ByteArraySerializer())) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(NAMES.jobs(B), "forged", new byte[] {0, 0, 0, 0, 1})).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicAuthorizationException.class);
            // nor into its own results (only the processor writes results), nor lift its own policy, spend or prices
            for (String topic : List.of(NAMES.results(A), NAMES.tenantPolicies(), NAMES.tenantSpend(), NAMES.prices())) {
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "acme", new byte[] {1})).get(30, TimeUnit.SECONDS))
                        .as("writing %s as tenant A", topic)
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicAuthorizationException.class);
            }
        }
        // create topics, under its own prefix or B's
        try (Admin tenantAdmin = Admin.create(as(A))) {
            for (String topic : List.of(NAMES.tenantAclPrefix(A) + "extra", NAMES.tenantAclPrefix(B) + "extra")) {
                assertThatThrownBy(() -> tenantAdmin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS))
                        .as("creating %s as tenant A", topic).hasCauseInstanceOf(
                                org.apache.kafka.common.errors.TopicAuthorizationException.class);
            }
        }
        // join the processor's consumer group (to be handed B's partitions)
        Map<String, Object> joiner = new HashMap<>(as(A));
        joiner.put(ConsumerConfig.GROUP_ID_CONFIG, PROCESSOR_APP);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(joiner, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(NAMES.jobs(A)));
            assertThatThrownBy(() -> {
                for (int i = 0; i < 100; i++) {
                    consumer.poll(Duration.ofMillis(200));
                }
            }).isInstanceOf(GroupAuthorizationException.class);
        }
        // use the processor's transactional id (to fence it, or to commit as it)
        Map<String, Object> fencer = withTimeouts(as(A));
        fencer.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, PROCESSOR_APP + "-" + java.util.UUID.randomUUID() + "-1");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(fencer, new StringSerializer(), new ByteArraySerializer())) {
            assertThatThrownBy(producer::initTransactions).isInstanceOf(TransactionalIdAuthorizationException.class);
        }

        assertThat(endOffsets(NAMES.jobs(B))).as("no trace in B's jobs").isEqualTo(bJobsBefore);
        assertThat(endOffsets(NAMES.results(B))).as("no trace in B's results").isEqualTo(bResultsBefore);
    }

    @Test
    void shouldRejectAJobNamingAnotherTenantAsSecurityWithoutCallingTheModel() throws Exception {
        // the publisher would route it to B's topic, which A may not write: A puts it on its own topic by hand
        byte[] spoofed = topics.jobs(A).serializeValue(job("iso-spoof-1", B));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(withTimeouts(as(A)), new StringSerializer(), new ByteArraySerializer())) {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
                    producer.send(new ProducerRecord<>(NAMES.jobs(A), "iso-spoof-1", spoofed)).get(10, TimeUnit.SECONDS) != null);
        }

        List<ConsumerRecord<String, byte[]>> deadLetters = read(as(A), NAMES.deadLetter(A), NAMES.tenantAclPrefix(A) + "dlt-reader", WAIT,
                records -> records.stream().anyMatch(r -> "iso-spoof-1".equals(r.key())));

        assertThat(deadLetters).filteredOn(r -> "iso-spoof-1".equals(r.key())).singleElement().satisfies(record -> {
            JobFailure failure = decode(JobFailure.class, NAMES.deadLetter(A), record.value());
            assertThat(failure.getCategory()).isEqualTo(FailureCategory.SECURITY);
            assertThat(failure.getErrorType()).isEqualTo("tenant_mismatch");
            assertThat(failure.getAttempts()).isZero();
        });
        assertThat(model.callsByIdempotencyKey()).doesNotContainKey("iso-spoof-1-1");
        assertThat(read(endpoints.adminClientConfig(), NAMES.results(B), "iso-admin-b-results", Duration.ofSeconds(3), records -> false))
                .noneMatch(record -> "iso-spoof-1".equals(record.key()));
    }

    @Test
    void shouldRefuseAWrongPasswordAndAnUnknownUser() {
        for (Map<String, Object> config : List.of(as(TenantProvisioner.principalName(A), "not-the-password"),
                as("tenant-nobody", "whatever"))) {
            try (Admin intruder = Admin.create(config)) {
                assertThatThrownBy(() -> intruder.listTopics().names().get(30, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(SaslAuthenticationException.class);
            }
        }
    }

    @Test
    void shouldRefuseAnAdminClientThatGoesStraightToTheControllerWithoutCredentials() throws Exception {
        // with a PLAINTEXT controller listener whose anonymous principal is a super user, this would list every ACL
        try (Admin anonymous = Admin.create(Map.of("bootstrap.controllers", "127.0.0.1:" + settings.controllerPort(),
                "default.api.timeout.ms", 10_000, "request.timeout.ms", 5_000))) {
            assertThatThrownBy(() -> anonymous.describeAcls(org.apache.kafka.common.acl.AclBindingFilter.ANY).values()
                    .get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    // the controller drops the unauthenticated connection, so no node is ever assigned to the call
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
        }
        // the same call on the same port with the super user's credentials succeeds: the credentials, not the port, decide
        String password = endpoints.adminSecurity().get("sasl.jaas.config").replaceAll(".*password=\"([^\"]*)\".*", "$1");
        try (Admin superUser = Admin.create(Map.of("bootstrap.controllers", "127.0.0.1:" + settings.controllerPort(),
                "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                        + KafkaBroker.ADMIN_USER + "\" password=\"" + password + "\";",
                "default.api.timeout.ms", 10_000, "request.timeout.ms", 5_000))) {
            assertThat(superUser.describeAcls(org.apache.kafka.common.acl.AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS))
                    .isNotEmpty();
        }
    }

    @Test
    void shouldThrottleATenantOverItsProduceQuotaAndLeaveAnotherTenantAlone() throws Exception {
        TenantId slow = TenantId.of("quota-slow");
        TenantId fast = TenantId.of("quota-fast");
        long quota = 32 * 1024;
        // Kafka measures a quota over a window of about 10 s from the first request: 512 KiB at 32 KiB/s crosses it
        passwords.put(slow, provisioner.create(TenantSpec.of(slow).withQuotas(quota, null)).newPassword().orElseThrow());
        passwords.put(fast, provisioner.create(TenantSpec.of(fast)).newPassword().orElseThrow());

        Produced throttled = produceAsFastAsPossible(slow, 512 * 1024);
        Produced free = produceAsFastAsPossible(fast, 512 * 1024);
        log.info("Quota {} B/s: throttled tenant {} B/s (throttle time max {} ms); other tenant {} B/s (throttle time max {} ms)",
                quota, Math.round(throttled.bytesPerSecond), throttled.throttleMaxMs, Math.round(free.bytesPerSecond), free.throttleMaxMs);

        assertThat(throttled.throttleMaxMs).as("the broker throttled the tenant over its quota").isGreaterThan(0);
        assertThat(throttled.bytesPerSecond).as("held near its quota").isLessThan(quota * 3.0);
        assertThat(free.throttleMaxMs).as("the other tenant was not throttled").isZero();
        assertThat(free.bytesPerSecond).as("the other tenant's throughput is its own").isGreaterThan(throttled.bytesPerSecond * 3);
    }

    private record Produced(double bytesPerSecond, double throttleMaxMs) {
    }

    /** Sends {@code bytes} in 1 KiB records to the tenant's jobs topic (they are not jobs: the processor dead-letters them). */
    private static Produced produceAsFastAsPossible(TenantId tenant, int bytes) throws Exception {
        Map<String, Object> config = withTimeouts(as(tenant));
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 60_000);
        byte[] value = new byte[1024];
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
            // first make sure the ACLs have reached the authorizer
            await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
                    producer.send(new ProducerRecord<>(NAMES.jobs(tenant), "warm-up", value)).get(10, TimeUnit.SECONDS) != null);
            long start = System.nanoTime();
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < bytes / value.length; i++) {
                sent.add(producer.send(new ProducerRecord<>(NAMES.jobs(tenant), "q-" + i, value)));
            }
            for (java.util.concurrent.Future<?> future : sent) {
                future.get(120, TimeUnit.SECONDS);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double throttleMax = 0;
            for (Map.Entry<org.apache.kafka.common.MetricName, ? extends Metric> metric : producer.metrics().entrySet()) {
                if (metric.getKey().name().equals("produce-throttle-time-max") && metric.getKey().group().equals("producer-metrics")) {
                    Object max = metric.getValue().metricValue();
                    if (max instanceof Double d && !d.isNaN()) {
                        throttleMax = Math.max(throttleMax, d);
                    }
                }
            }
            return new Produced(bytes / seconds, throttleMax);
        }
    }

    private static Map<String, Object> withTimeouts(Map<String, Object> config) {
        Map<String, Object> copy = new HashMap<>(config);
        copy.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        copy.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 25_000);
        copy.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        copy.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return copy;
    }

    @Test
    void shouldProvisionIdempotentlyAndDeleteEverythingItCreated() throws Exception {
        TenantId tenant = TenantId.of("short-lived");
        TenantProvisioner.Provisioned first = provisioner.create(TenantSpec.of(tenant));
        TenantProvisioner.Provisioned second = provisioner.create(new TenantSpec(tenant, List.of("stub-model"), 5_000_000_000L, "USD", 2.0,
                10_000L, Duration.ofDays(2), io.aijobs.schema.DeadLetterContent.HASH, 1_000_000L, 2_000_000L, 2.0, 8,
                new TenantSpec.ResponseCache(Duration.ofHours(1), true)));

        assertThat(first.newPassword()).isPresent();
        assertThat(second.newPassword()).as("a second create keeps the principal's password").isEmpty();
        var retention = admin.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                org.apache.kafka.common.config.ConfigResource.Type.TOPIC, NAMES.jobs(tenant)))).all().get(30, TimeUnit.SECONDS)
                .values().iterator().next().get("retention.ms").value();
        assertThat(retention).as("the second spec's retention").isEqualTo(Long.toString(Duration.ofDays(2).toMillis()));

        var quotaFilter = org.apache.kafka.common.quota.ClientQuotaFilter.containsOnly(List.of(
                org.apache.kafka.common.quota.ClientQuotaFilterComponent.ofEntity(org.apache.kafka.common.quota.ClientQuotaEntity.USER,
                        TenantProvisioner.principalName(tenant))));
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(admin.describeClientQuotas(quotaFilter).entities().get(30, TimeUnit.SECONDS).values())
                        .singleElement().satisfies(quotas -> assertThat(quotas).containsEntry("producer_byte_rate", 1_000_000.0)));

        // two answers of its response cache, and one of another tenant's
        Map<String, Object> cacheWriter = new HashMap<>(endpoints.adminClientConfig());
        try (KafkaProducer<String, io.aijobs.schema.ResponseCacheEntry> cache = new KafkaProducer<>(cacheWriter, new StringSerializer(),
                topics.responseCache().valueSerde().serializer())) {
            for (String key : List.of(tenant.value() + "/h1", tenant.value() + "/h2", A.value() + "/h1")) {
                cache.send(new ProducerRecord<>(NAMES.responseCache(), key, io.aijobs.schema.ResponseCacheEntry.newBuilder()
                        .setTenantId(key.substring(0, key.indexOf('/'))).setRequestHash("h").setModel("m").setAnsweredBy("m")
                        .setOutput("an answer").setFinishReason("stop").setInputTokens(1).setOutputTokens(1).setSourceJobId("j")
                        .setCreatedAt(java.time.Instant.now()).build())).get(30, TimeUnit.SECONDS);
            }
        }

        List<String> removed = provisioner.delete(tenant);

        assertThat(removed).anyMatch(line -> line.startsWith("topics ")).anyMatch(line -> line.startsWith("SCRAM credentials"))
                .contains("2 answers of its response cache on " + NAMES.responseCache() + " (tombstones)");
        Map<String, Boolean> answerKept = new HashMap<>();
        try (KafkaConsumer<String, byte[]> cache = new KafkaConsumer<>(new HashMap<>(endpoints.adminClientConfig()), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<org.apache.kafka.common.TopicPartition> partitions = cache.partitionsFor(NAMES.responseCache()).stream()
                    .map(info -> new org.apache.kafka.common.TopicPartition(info.topic(), info.partition())).toList();
            cache.assign(partitions);
            cache.seekToBeginning(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> ends = cache.endOffsets(partitions);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (partitions.stream().anyMatch(partition -> cache.position(partition) < ends.get(partition)) && System.nanoTime() < deadline) {
                cache.poll(Duration.ofMillis(200)).forEach(record -> answerKept.put(record.key(), record.value() != null));
            }
        }
        assertThat(answerKept).as("the last record of each key on the cache topic: an answer, or a tombstone")
                .containsEntry(tenant.value() + "/h1", false).containsEntry(tenant.value() + "/h2", false).containsEntry(A.value() + "/h1", true);
        // the broker's metadata and authorizer follow the controller a moment later
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).noneMatch(topic -> topic.startsWith(NAMES.tenantAclPrefix(tenant)));
            assertThat(admin.describeAcls(org.apache.kafka.common.acl.AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS))
                    .as("no binding of the tenant's principal, nor of anyone on its topics")
                    .noneMatch(binding -> binding.entry().principal().equals("User:" + TenantProvisioner.principalName(tenant))
                            || binding.pattern().name().startsWith(NAMES.tenantAclPrefix(tenant)));
            assertThat(admin.describeClientQuotas(quotaFilter).entities().get(30, TimeUnit.SECONDS)).isEmpty();
        });
        List<ConsumerRecord<String, byte[]>> policies = read(endpoints.adminClientConfig(), NAMES.tenantPolicies(), "iso-admin-policies",
                WAIT, records -> records.stream().anyMatch(r -> r.key().equals(tenant.value()) && r.value() == null));
        assertThat(policies.stream().filter(r -> r.key().equals(tenant.value())).reduce((earlier, later) -> later).orElseThrow().value())
                .as("the policy ends with a tombstone").isNull();
        try (Admin gone = Admin.create(as(TenantProvisioner.principalName(tenant), first.newPassword().get()))) {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThatThrownBy(() -> gone.listTopics().names().get(30, TimeUnit.SECONDS))
                            .hasCauseInstanceOf(SaslAuthenticationException.class));
        }
    }

    private static java.net.http.HttpResponse<String> registry(String method, String path, String body, String userInfo)
            throws Exception {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(endpoints.schemaRegistryUrl() + path))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody() : java.net.http.HttpRequest.BodyPublishers.ofString(body));
        if (userInfo != null) {
            request.header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(userInfo.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        return java.net.http.HttpClient.newHttpClient().send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    private static final String NEW_SCHEMA = "{\"schema\":\"{\\\"type\\\":\\\"string\\\"}\"}";

    @Test
    void shouldRefuseAnonymousReadsWritesAndDeletesOnTheRegistry() throws Exception {
        String subject = "/subjects/" + CATALOG.names().jobs(B) + "-value";

        assertThat(registry("GET", "/subjects", null, null).statusCode()).as("read").isEqualTo(401);
        assertThat(registry("GET", subject + "/versions/latest", null, null).statusCode()).as("read a subject").isEqualTo(401);
        assertThat(registry("POST", subject + "/versions", NEW_SCHEMA, null).statusCode()).as("register").isEqualTo(401);
        assertThat(registry("DELETE", subject, null, null).statusCode()).as("delete").isEqualTo(401);
        assertThat(registry("GET", subject + "/versions/latest", null, endpoints.registryAdmin().get("basic.auth.user.info"))
                .statusCode()).as("B's subject is still there").isEqualTo(200);
    }

    @Test
    void shouldLetATenantReadSchemasButNeitherRegisterNorDeleteAnotherTenantsSubjects() throws Exception {
        String tenantRegistryUser = endpoints.registryReader().get("basic.auth.user.info");
        String operator = endpoints.registryAdmin().get("basic.auth.user.info");
        String bJobs = "/subjects/" + CATALOG.names().jobs(B) + "-value";
        String latestBefore = registry("GET", bJobs + "/versions/latest", null, operator).body();

        assertThat(registry("GET", bJobs + "/versions/latest", null, tenantRegistryUser).statusCode()).as("a schema is read")
                .isEqualTo(200);
        assertThat(registry("POST", bJobs + "/versions", NEW_SCHEMA, tenantRegistryUser).statusCode())
                .as("a new version of B's subject").isEqualTo(403);
        assertThat(registry("DELETE", bJobs, null, tenantRegistryUser).statusCode()).as("B's subject deleted").isEqualTo(403);
        assertThat(registry("DELETE", "/subjects/" + CATALOG.names().jobs(A) + "-value", null, tenantRegistryUser).statusCode())
                .as("even its own: only the operator registers and deletes").isEqualTo(403);
        assertThat(registry("GET", bJobs + "/versions/latest", null, operator).body()).as("B's subject unchanged").isEqualTo(latestBefore);
    }

    @Test
    void shouldFailAnApplicationsStartInOneLineWhenTheBrokerRefusesItsCredentials() throws Exception {
        java.util.Properties streams = new java.util.Properties();
        streams.putAll(as(ApplicationAccess.Principals.DEFAULT_PROCESSOR_USER, "not-the-password"));

        try (RestSchemaRegistryClient registry = RestSchemaRegistryClient.create(endpoints.registryReaderConfig())) {
            assertThatThrownBy(() -> io.aijobs.application.Preflight.check(streams, registry, endpoints.schemaRegistryUrl(),
                    Duration.ofSeconds(20)))
                    .isInstanceOf(io.aijobs.application.Preflight.StartupException.class)
                    .hasMessageStartingWith("Kafka at " + endpoints.bootstrapServers() + " refused the credentials: ")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not-the-password").doesNotContain("\n"));
        }
    }
}
