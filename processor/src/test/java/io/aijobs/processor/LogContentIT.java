package io.aijobs.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.junit.DevStackExtension;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.producer.JobPublisher;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobRequest;
import io.aijobs.serde.AvroSerdeConfig;
import io.aijobs.serde.AvroSerializer;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Everything the processor logs during a whole run, start to close, with successes, a refused call, a retried one, an
 * invalid job and an undecodable record: no prompt and no API key may appear in it.
 */
@ExtendWith(DevStackExtension.class)
class LogContentIT {

    private static final String PROMPT_MARKER = "PROMPT-MARKER-7f3a";
    private static final String KEY_MARKER = "sk-KEY-MARKER-91c2";

    @Test
    void shouldKeepPromptsAndTheApiKeyOutOfEveryLogLineOfARun(StackEndpoints stack) throws Exception {
        ProcessorHarness harness = new ProcessorHarness(stack);
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        // the logging backend writes to System.err as it is at each write, so the whole run lands here
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults())) {
            System.setOut(capture);
            System.setErr(capture);
            try (ProcessorApp app = ProcessorApp.start(harness.config(stub.baseUrl(),
                    Map.of(ProcessorConfig.MODEL_API_KEY_CONFIG, KEY_MARKER, "retry.transient.backoff.initial.ms", "100", "retry.transient.max.attempts", "3")));
                 JobPublisher publisher = harness.publisher();
                 KafkaProducer<String, byte[]> raw = new KafkaProducer<>(Map.of("bootstrap.servers", stack.bootstrapServers()),
                         new StringSerializer(), new ByteArraySerializer())) {
                publisher.publish(job(harness, "ok-1", PROMPT_MARKER + " summarise this"));
                publisher.publish(job(harness, "refused-1", PROMPT_MARKER + " [[stub:invalid-request]]"));
                publisher.publish(job(harness, "retried-1", PROMPT_MARKER + " [[stub:unavailable]]"));
                publisher.flush();
                String jobs = harness.names.jobs(harness.tenant);
                // a job whose key is not its jobId is INVALID; the publisher would not send it, so it goes raw
                byte[] invalid = new AvroSerializer<JobRequest>(new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10)),
                        new AvroSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl(),
                                AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true)), false)
                        .serialize(jobs, job(harness, "invalid-1", PROMPT_MARKER + " keyed wrongly"));
                raw.send(new ProducerRecord<>(jobs, "not-invalid-1", invalid)).get(30, TimeUnit.SECONDS);
                raw.send(new ProducerRecord<>(jobs, "poison-1", (PROMPT_MARKER + " not avro").getBytes(StandardCharsets.UTF_8)))
                        .get(30, TimeUnit.SECONDS);

                // the directive makes every attempt of retried-1 fail: it ends as a dead letter after its retries
                await().atMost(Duration.ofSeconds(120)).until(() -> harness.committedResults().size() >= 1
                        && harness.committed(harness.topics.deadLetter(harness.tenant)).size() >= 4);
            }
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }

        String log = captured.toString(StandardCharsets.UTF_8);
        originalOut.println("LogContentIT captured " + log.lines().count() + " log lines");
        assertThat(log).as("the capture holds the run's log").contains("processor topology:").contains("Processor " + "processor-it-");
        assertThat(log).doesNotContain(PROMPT_MARKER).doesNotContain(KEY_MARKER);
    }

    private static JobRequest job(ProcessorHarness harness, String jobId, String content) {
        return JobRequest.newBuilder(harness.job(jobId)).setMessages(List.of(new ChatMessage("user", content))).build();
    }
}
