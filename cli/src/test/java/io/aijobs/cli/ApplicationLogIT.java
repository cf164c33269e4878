package io.aijobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aijobs.application.LogContext;
import io.aijobs.contracts.TenantId;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.junit.DevStackExtension;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.processor.ProcessorConfig;
import io.aijobs.producer.JobPublisher;
import io.aijobs.producer.PublisherConfig;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import io.aijobs.testing.TestDeployment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aijobs processor} as an operator runs it, in a JVM of its own with the logging backend it ships, JSON lines and
 * our code at debug, on the test stack: a whole run, start to SIGTERM, with a success, a refused call, a call retried
 * until it is dead-lettered, a job keyed wrongly and an undecodable record. Every line is one JSON object; what is
 * logged about each job (its rejection, failed attempts, completion or dead letter) carries its tenant, jobId, attempt
 * where there is one, and traceId; no prompt, output or API key appears anywhere.
 */
@ExtendWith(DevStackExtension.class)
class ApplicationLogIT {

    private static final String PROMPT_MARKER = "PROMPT-MARKER-7f3a";
    private static final String KEY_MARKER = "sk-KEY-MARKER-91c2";
    /** How the model stub's answers begin: the output of ok-1. */
    private static final String OUTPUT = "Stub answer";
    private static final String KEY_VARIABLE = "AIJOBS_LOG_IT_MODEL_KEY";
    private static final TenantId ACME = TenantId.of("acme");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static JobRequest job(String jobId, String content) {
        return JobRequest.newBuilder().setJobId(jobId).setTenantId(ACME.value()).setModel("stub-model").setTraceId("trace-" + jobId)
                .setMessages(List.of(new ChatMessage("user", PROMPT_MARKER + " " + content)))
                .setParameters(JobParameters.newBuilder().setMaxOutputTokens(16).build()).setSubmittedAt(Instant.now()).build();
    }

    private static JsonNode line(List<JsonNode> lines, Predicate<JsonNode> which, String what) {
        return lines.stream().filter(which).findFirst().orElseThrow(() -> new AssertionError("no log line " + what));
    }

    private static Predicate<JsonNode> messageStartingWith(String prefix) {
        return line -> line.path("message").asText().startsWith(prefix);
    }

    @Test
    void shouldWriteJsonLinesCarryingTheJobsContextAndNoPromptOutputOrKeyDuringAWholeRun(StackEndpoints stack) throws Exception {
        TestDeployment deployment = new TestDeployment(stack, "log", List.of(ACME));
        Path stderr = dir.resolve("processor.err");
        boolean stopped;
        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults().withApiKey(KEY_MARKER))) {
            Path config = Files.writeString(dir.resolve("processor.properties"), String.join("\n",
                    ProcessorConfig.APPLICATION_ID_CONFIG + "=processor-log-" + deployment.run(),
                    ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG + "=" + stack.bootstrapServers(),
                    ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG + "=" + stack.schemaRegistryUrl(),
                    ProcessorConfig.AUTO_REGISTER_SCHEMAS_CONFIG + "=true",
                    ProcessorConfig.TENANT_TOPIC_PREFIX_CONFIG + "=" + deployment.names().tenantPrefix(),
                    ProcessorConfig.PLATFORM_TOPIC_PREFIX_CONFIG + "=" + deployment.names().platformPrefix(),
                    ProcessorConfig.MODEL_BASE_URL_CONFIG + "=" + stub.baseUrl(),
                    ProcessorConfig.MODEL_API_KEY_CONFIG + "=${env:" + KEY_VARIABLE + "}",
                    ProcessorConfig.PRICING_MODELS_CONFIG + "=stub-model=1.00:2.00",
                    ProcessorConfig.METRICS_PORT_CONFIG + "=0",
                    "retry.transient.max.attempts=3",
                    "retry.transient.backoff.initial.ms=100",
                    ProcessorConfig.STREAMS_PREFIX + "state.dir=" + dir.resolve("state"), ""));
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                    "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.aijobs.schema", "-Daijobs.home=" + dir.resolve("home"),
                    AijobsCommand.class.getName(), "processor", "--config", config.toString()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(dir.resolve("processor.out").toFile())
                    .redirectError(stderr.toFile());
            builder.environment().keySet().removeAll(CliLogging.ENVIRONMENT.keySet());
            // Kafka at info as well: the clients print their whole configuration then, passwords and keys included
            builder.environment().putAll(Map.of("AIJOBS_LOG_FORMAT", "json", "AIJOBS_LOG_LEVEL", "debug", "AIJOBS_KAFKA_LOG_LEVEL", "info",
                    KEY_VARIABLE, KEY_MARKER));
            Process processor = builder.start();
            try (JobPublisher publisher = JobPublisher.create(Map.of(PublisherConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                    PublisherConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl(), PublisherConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true,
                    PublisherConfig.TENANT_TOPIC_PREFIX_CONFIG, deployment.names().tenantPrefix(),
                    PublisherConfig.PLATFORM_TOPIC_PREFIX_CONFIG, deployment.names().platformPrefix()));
                 KafkaProducer<String, byte[]> raw = new KafkaProducer<>(Map.of("bootstrap.servers", stack.bootstrapServers()),
                         new StringSerializer(), new ByteArraySerializer())) {
                publisher.publish(job("ok-1", "summarise this"));
                publisher.publish(job("refused-1", "[[stub:invalid_request]]"));
                publisher.publish(job("retried-1", "[[stub:unavailable]]"));
                publisher.flush();
                String jobs = deployment.topics().jobs(ACME).name();
                // a job whose key is not its jobId is INVALID; the publisher would not send it, so it goes raw
                raw.send(new ProducerRecord<>(jobs, "not-invalid-1", deployment.topics().jobs(ACME).serializeValue(job("invalid-1",
                        "keyed wrongly")))).get(30, TimeUnit.SECONDS);
                raw.send(new ProducerRecord<>(jobs, "poison-1", (PROMPT_MARKER + " not avro").getBytes(StandardCharsets.UTF_8)))
                        .get(30, TimeUnit.SECONDS);

                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> deployment.committed(deployment.topics().results(ACME)).size() >= 1
                                && deployment.committed(deployment.topics().deadLetter(ACME)).size() >= 4);
            } finally {
                processor.destroy();
                stopped = processor.waitFor(60, TimeUnit.SECONDS);
            }
        }
        assertThat(stopped).as("the processor stopped within 60 s of SIGTERM").isTrue();

        String log = Files.readString(stderr, StandardCharsets.UTF_8);
        // where a marker leaked, name the logger (the lines themselves are long)
        assertThat(log.lines().filter(text -> text.contains(PROMPT_MARKER) || text.contains(KEY_MARKER) || text.contains("summarise this")
                        || text.contains(OUTPUT))
                .map(text -> text.replaceAll(".*\"log.logger\":\"([^\"]*)\".*", "$1")).distinct().toList())
                .as("loggers of lines with a prompt, an output or the API key").isEmpty();
        List<JsonNode> lines = new ArrayList<>();
        for (String text : log.split("\n")) {
            JsonNode node = JSON.readTree(text);
            assertThat(node.isObject()).as("one JSON object per line: %s", text).isTrue();
            lines.add(node);
        }
        assertThat(lines).as("the run logged its start, its jobs and Kafka's configuration").hasSizeGreaterThan(20);
        line(lines, messageStartingWith("processor topology:"), "with the topology at start");
        line(lines, messageStartingWith("ConsumerConfig values"), "with Kafka's client configuration at info");

        JsonNode completed = line(lines, messageStartingWith("Completed by attempt 1"), "of ok-1's completion");
        assertThat(completed.path("log.level").asText()).isEqualTo("DEBUG");
        assertThat(completed.path(LogContext.TENANT).asText()).isEqualTo(ACME.value());
        assertThat(completed.path(LogContext.JOB_ID).asText()).isEqualTo("ok-1");
        assertThat(completed.path(LogContext.ATTEMPT).asText()).isEqualTo("1");
        assertThat(completed.path(LogContext.TRACE_ID).asText()).isEqualTo("trace-ok-1");

        JsonNode retried = line(lines, line -> line.path(LogContext.JOB_ID).asText().equals("retried-1")
                && line.path("message").asText().startsWith("Attempt 2 failed (TRANSIENT"), "of retried-1's second attempt");
        assertThat(retried.path(LogContext.ATTEMPT).asText()).isEqualTo("2");
        assertThat(retried.path(LogContext.TRACE_ID).asText()).isEqualTo("trace-retried-1");

        JsonNode deadLettered = line(lines, line -> line.path(LogContext.JOB_ID).asText().equals("retried-1")
                && line.path("message").asText().startsWith("Dead-lettered after attempt 3"), "of retried-1's dead letter");
        assertThat(deadLettered.path("log.level").asText()).isEqualTo("WARN");
        assertThat(deadLettered.path(LogContext.TENANT).asText()).isEqualTo(ACME.value());
        assertThat(deadLettered.path(LogContext.ATTEMPT).asText()).isEqualTo("3");
        assertThat(deadLettered.path(LogContext.TRACE_ID).asText()).isEqualTo("trace-retried-1");

        JsonNode refused = line(lines, line -> line.path(LogContext.JOB_ID).asText().equals("refused-1")
                && line.path("message").asText().startsWith("Dead-lettered after attempt 1: PERMANENT"), "of refused-1's dead letter");
        assertThat(refused.path(LogContext.TENANT).asText()).isEqualTo(ACME.value());
        assertThat(refused.path(LogContext.TRACE_ID).asText()).isEqualTo("trace-refused-1");

        JsonNode invalid = line(lines, line -> line.path(LogContext.JOB_ID).asText().equals("invalid-1")
                && line.path("message").asText().startsWith("Dead-lettering a record from"), "of invalid-1's rejection");
        assertThat(invalid.path(LogContext.TENANT).asText()).isEqualTo(ACME.value());
        assertThat(invalid.path(LogContext.TRACE_ID).asText()).isEqualTo("trace-invalid-1");

        assertThat(lines.stream().filter(line -> line.has(LogContext.JOB_ID)).filter(line -> !line.has(LogContext.TENANT)).toList())
                .as("lines with a jobId but no tenant").isEmpty();

        JsonNode poison = line(lines, line -> line.path("message").asText().startsWith("Dead-lettering a record from")
                && !line.has(LogContext.JOB_ID), "of the undecodable record");
        assertThat(poison.path(LogContext.TENANT).asText()).as("the tenant of its topic").isEqualTo(ACME.value());
    }
}
