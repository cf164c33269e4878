package io.aijobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aijobs.contracts.JobHeaders;
import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicNames;
import io.aijobs.devstack.DevStack;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.StackSettings;
import io.aijobs.producer.JobPublisher;
import io.aijobs.producer.PublisherConfig;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.Cost;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.JobTimings;
import io.aijobs.schema.RecordOrigin;
import io.aijobs.serde.AvroSerdeConfig;
import io.aijobs.serde.AvroSerializer;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's commands against a secure stack (SASL/SCRAM, ACLs that deny by default), found from its state folder
 * as a user runs them: each command connects as the stack's super user, or fails.
 */
class SecureCliIT {

    private static final Logger log = LoggerFactory.getLogger(SecureCliIT.class);
    private static final TopicNames NAMES = TopicNames.defaults();
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static Path dir;
    private static DevStack stack;
    private static StackEndpoints endpoints;

    @BeforeAll
    static void up() throws Exception {
        dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "secure-cli-");
        stack = DevStack.up(StackSettings.ephemeral(dir).withSecure(true), false, log::info);
        endpoints = stack.endpoints();
        try (Admin admin = Admin.create(endpoints.adminClientConfig())) {
            DevTopics.ensure(admin, io.aijobs.contracts.TopicCatalog.of(NAMES), List.of());
        }
    }

    @AfterAll
    static void down() {
        if (stack != null) {
            stack.close();
        }
    }

    private static String newTenant(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static CliRun run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--state-dir", dir.toString()));
        return CliRun.of(all.toArray(String[]::new));
    }

    @Test
    void shouldProvisionATenantWhosePublisherWritesAtOnceWithSchemaRegistrationOff() throws Exception {
        String tenant = newTenant("pub");
        Path credentials = dir.resolve(tenant + ".properties");

        CliRun create = run("tenant", "create", tenant, "--credentials-file", credentials.toString());

        assertThat(create.exitCode()).as(create.err()).isZero();
        assertThat(create.out()).contains("schemas registered: tenant." + tenant + ".jobs-value")
                .contains("principal User:tenant-" + tenant).doesNotContain("no authorizer");
        Map<String, Object> config = new HashMap<>();
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(credentials)) {
            props.load(in);
        }
        props.stringPropertyNames().forEach(name -> config.put(name, props.getProperty(name)));
        // the tenant's file is all it needs: the broker's and the registry's addresses and credentials
        assertThat(props.getProperty("schema.registry.url")).isEqualTo(endpoints.schemaRegistryUrl());
        assertThat(props.getProperty("basic.auth.user.info")).startsWith("reader:");
        config.put(PublisherConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false);
        try (JobPublisher publisher = JobPublisher.create(config)) {
            // without the subject, an unregistering serializer fails with 40401 before anything is sent
            assertThat(publisher.publishAndWait(job("j-1", tenant), WAIT).topic()).isEqualTo(NAMES.jobs(TenantId.of(tenant)));
        }
    }

    /**
     * A cluster and a registry the CLI has no state folder for, as in a deployment: {@code --command-config} gives the
     * principal, its secrets by reference to a file: provisioning and producing work, and the tenant's file says what it
     * lacks (the registry's read-only login, unknown to the command) and works once that is added.
     */
    @Test
    void shouldConnectToARemoteSecureStackAsThePrincipalOfTheCommandConfigWithSecretsByReference() throws Exception {
        String tenant = newTenant("remote");
        Path secrets = dir.resolve("remote-secrets.properties");
        Properties values = new Properties();
        values.setProperty("jaas", endpoints.adminSecurity().get("sasl.jaas.config"));
        values.setProperty("registry", endpoints.registryAdmin().get("basic.auth.user.info"));
        try (var out = Files.newBufferedWriter(secrets)) {
            values.store(out, null);
        }
        Path commandConfig = Files.writeString(dir.resolve("remote.properties"), String.join("\n",
                "security.protocol=" + endpoints.adminSecurity().get("security.protocol"),
                "sasl.mechanism=" + endpoints.adminSecurity().get("sasl.mechanism"),
                "sasl.jaas.config=${file:" + secrets + ":jaas}",
                "basic.auth.credentials.source=USER_INFO",
                "basic.auth.user.info=${file:" + secrets + ":registry}", ""));
        Path elsewhere = Files.createDirectories(dir.resolve("no-stack-here"));
        List<String> remote = List.of("--bootstrap-servers", endpoints.bootstrapServers(), "--registry-url", endpoints.schemaRegistryUrl(),
                "--state-dir", elsewhere.toString(), "--command-config", commandConfig.toString());
        Path jobs = Files.writeString(dir.resolve(tenant + ".jsonl"), "{\"jobId\":\"r-1\",\"tenantId\":\"" + tenant
                + "\",\"model\":\"stub-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}\n");

        CliRun create = CliRun.of(concat(List.of("tenant", "create", tenant, "--credentials-file", dir.resolve(tenant + ".properties").toString()),
                remote));
        CliRun produce = CliRun.of(concat(List.of("produce", "--file", jobs.toString()), remote));

        assertThat(create.exitCode()).as(create.err()).isZero();
        assertThat(create.out()).contains("principal User:tenant-" + tenant)
                .contains("note: the registry's read-only login (basic.auth.* or bearer.auth.*) is not known to this command");
        assertThat(produce.exitCode()).as(produce.err()).isZero();
        assertThat(readOne(NAMES.jobs(TenantId.of(tenant))).key()).isEqualTo("r-1");

        // the tenant's file, with the registry's read-only login added as the note says, is all its publisher needs
        Properties tenantProps = new Properties();
        try (Reader in = Files.newBufferedReader(dir.resolve(tenant + ".properties"))) {
            tenantProps.load(in);
        }
        assertThat(tenantProps.getProperty("basic.auth.user.info")).as("never the operator's login").isNull();
        Map<String, Object> config = new HashMap<>();
        tenantProps.stringPropertyNames().forEach(name -> config.put(name, tenantProps.getProperty(name)));
        config.putAll(endpoints.registryReader());
        config.put(PublisherConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false);
        try (JobPublisher publisher = JobPublisher.create(config)) {
            assertThat(publisher.publishAndWait(job("r-2", tenant), WAIT).topic()).isEqualTo(NAMES.jobs(TenantId.of(tenant)));
        }
    }

    private static String[] concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all.toArray(String[]::new);
    }

    @Test
    void shouldListAndReplayDeadLettersAsTheSuperUser() throws Exception {
        String tenant = newTenant("dlt");
        createTenant(tenant);
        String dlt = NAMES.deadLetter(TenantId.of(tenant));
        byte[] jobBytes = serialize(NAMES.jobs(TenantId.of(tenant)), job("j-7", tenant));
        int partition = sendAsSuperUser(dlt, "j-7", serialize(dlt, failure("j-7", tenant, jobBytes)));

        CliRun list = run("dlt", "list", "--tenant", tenant);
        CliRun replay = run("dlt", "replay", "--tenant", tenant, "--job-id", "j-7");

        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out()).contains("j-7").contains("PERMANENT").contains("1 dead letter(s)");
        assertThat(replay.exitCode()).as(replay.err()).isZero();
        assertThat(replay.out()).contains("Replayed 1 of 1 dead letter(s)");
        ConsumerRecord<String, byte[]> republished = readOne(NAMES.jobs(TenantId.of(tenant)));
        assertThat(republished.key()).isEqualTo("j-7");
        assertThat(republished.value()).isEqualTo(jobBytes);
        assertThat(new String(republished.headers().lastHeader(JobHeaders.REPLAY_OF).value())).isEqualTo(dlt + "/" + partition + "/0");
    }

    @Test
    void shouldResetATenantPasswordAndDeleteTheTenant() {
        String tenant = newTenant("del");
        Path credentials = dir.resolve(tenant + ".properties");
        assertThat(run("tenant", "create", tenant, "--credentials-file", credentials.toString()).exitCode()).isZero();

        CliRun reset = run("tenant", "reset-password", tenant, "--credentials-file", credentials.toString());
        CliRun delete = run("tenant", "delete", tenant, "--yes");

        assertThat(reset.exitCode()).as(reset.err()).isZero();
        assertThat(reset.out()).contains("New password of User:tenant-" + tenant);
        assertThat(delete.exitCode()).as(delete.err()).isZero();
        assertThat(delete.out()).contains("SCRAM credentials of tenant-" + tenant).contains("topics [tenant." + tenant + ".jobs");
    }

    @Test
    void shouldRegisterSchemasLoadPricesAndPrintResultsAsTheSuperUser() throws Exception {
        String tenant = newTenant("ops");
        createTenant(tenant);
        String results = NAMES.results(TenantId.of(tenant));
        sendAsSuperUser(results, "o-1", serialize(results, result("o-1", tenant)));
        String model = "ops-model-" + tenant;
        Path prices = Files.writeString(dir.resolve(tenant + "-prices.csv"),
                "model,effective_from,input_per_million,output_per_million\n" + model + ",2026-01-01,0.15,0.60\n");

        CliRun schemas = run("schemas", "register", "--tenant", tenant);
        CliRun load = run("prices", "load", prices.toString());
        CliRun print = run("results", "--tenant", tenant, "--max", "1");

        assertThat(schemas.exitCode()).as(schemas.err()).isZero();
        assertThat(schemas.out()).contains(results + "-value").contains(NAMES.usage() + "-value");
        assertThat(load.exitCode()).as(load.err()).isZero();
        assertThat(load.out()).contains("Published 1 price(s) to " + NAMES.prices());
        assertThat(readAll(NAMES.prices())).as("the price loaded, on the broker").anyMatch(record -> record.key().startsWith(model + "@"));
        assertThat(print.exitCode()).as(print.err()).isZero();
        assertThat(print.out()).contains("\"jobId\":\"o-1\"");
    }

    private static JobResult result(String jobId, String tenant) {
        Instant at = Instant.parse("2026-11-27T10:00:00Z");
        return JobResult.newBuilder().setJobId(jobId).setTenantId(tenant).setModel("m").setOutput("ok").setFinishReason("stop")
                .setInputTokens(10).setOutputTokens(5).setCost(Cost.newBuilder().setAmountNanos(1500).setPricingVersion("test-1").build())
                .setAttempts(1)
                .setTimings(JobTimings.newBuilder().setSubmittedAt(at).setStartedAt(at).setCompletedAt(at).setModelLatencyMs(20).build())
                .build();
    }

    private static void createTenant(String tenant) {
        CliRun create = run("tenant", "create", tenant, "--credentials-file", dir.resolve(tenant + ".properties").toString());
        assertThat(create.exitCode()).as(create.err()).isZero();
    }

    /** The value in Confluent's wire format for {@code topic}, its schema registered as the operator. */
    private static <V extends SpecificRecord> byte[] serialize(String topic, V value) {
        try (RestSchemaRegistryClient registry = RestSchemaRegistryClient.create(endpoints.registryAdminConfig())) {
            return new AvroSerializer<V>(registry, new AvroSerdeConfig(endpoints.registryAdminConfig()), false).serialize(topic, value);
        }
    }

    /** Writes a record as the super user; returns its partition. */
    private static int sendAsSuperUser(String topic, String key, byte[] value) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(endpoints.adminClientConfig(), new StringSerializer(),
                new ByteArraySerializer())) {
            return producer.send(new ProducerRecord<>(topic, key, value)).get(30, java.util.concurrent.TimeUnit.SECONDS).partition();
        }
    }

    /** Reads the one record of a topic, as the super user, within a bounded wait. */
    private static ConsumerRecord<String, byte[]> readOne(String topic) {
        List<ConsumerRecord<String, byte[]>> records = readAll(topic);
        assertThat(records).as("every record of " + topic + " up to its end").hasSize(1);
        return records.get(0);
    }

    /** Every committed record of the topic up to its end offsets when called. */
    private static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        Map<String, Object> config = new HashMap<>(endpoints.adminClientConfig());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, WAIT).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, WAIT);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            await().atMost(WAIT).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
            });
            return records;
        }
    }

    private static JobRequest job(String jobId, String tenant) {
        return JobRequest.newBuilder().setJobId(jobId).setTenantId(tenant).setModel("m")
                .setMessages(List.of(new ChatMessage("user", "hi"))).setParameters(JobParameters.newBuilder().build())
                .setSubmittedAt(Instant.now()).build();
    }

    private static JobFailure failure(String jobId, String tenant, byte[] original) {
        return JobFailure.newBuilder().setJobId(jobId).setTenantId(tenant).setCategory(FailureCategory.PERMANENT)
                .setErrorType("http_400").setMessage("test failure").setAttempts(1)
                .setFirstFailureAt(Instant.now()).setLastFailureAt(Instant.now())
                .setOrigin(RecordOrigin.newBuilder().setTopic("t").setPartition(0).setOffset(0).build())
                .setOriginalValue(ByteBuffer.wrap(original)).build();
    }
}
