package io.aijobs.benchmarks;

import io.aijobs.contracts.TopicCatalog;
import io.aijobs.contracts.Topics;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.processor.ProcessorApp;
import io.aijobs.processor.ProcessorConfig;
import io.aijobs.producer.JobPublisher;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.TenantPolicy;
import io.aijobs.serde.AvroSerdeConfig;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * B6: the response cache's hit path. One processor answers a question with a call; then {@code jobs} jobs of the same
 * tenant ask exactly that question, and a second processor (an application of its own, its global store rebuilt from
 * the cache topic) answers them all from the tenant's cache, with no call. Its rate is compared with B2's processor
 * rate, jobs answered by calls to a stub that answers at once.
 */
final class CacheHitBenchmark {

    /** What the hit path did: its rate, and the calls the stub saw in all (1: the first answer). */
    record Hits(double rate, long calls) {
    }

    private CacheHitBenchmark() {
    }

    static Hits run(StackEndpoints stack, ModelStub stub, int jobs) throws Exception {
        BenchScenario scenario = new BenchScenario(stack);
        Topics topics = new Topics(TopicCatalog.of(scenario.names), new RestSchemaRegistryClient(stack.schemaRegistryUrl(),
                Duration.ofSeconds(10)), new AvroSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl(),
                AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true)));
        try (KafkaProducer<String, TenantPolicy> policies = new KafkaProducer<>(Map.of("bootstrap.servers", stack.bootstrapServers()),
                new StringSerializer(), topics.tenantPolicies().valueSerde().serializer())) {
            policies.send(new ProducerRecord<>(scenario.names.tenantPolicies(), scenario.tenant.value(), TenantPolicy.newBuilder()
                    .setTenantId(scenario.tenant.value()).setRetentionMs(Duration.ofDays(1).toMillis())
                    .setResponseCacheTtlMs(Duration.ofHours(1).toMillis()).setUpdatedAt(Instant.now()).build())).get(30, TimeUnit.SECONDS);
        }
        long callsBefore = stub.requestCount();
        try (BenchScenario.ResultWatcher results = scenario.new ResultWatcher(scenario.names.results(scenario.tenant), false)) {
            try (JobPublisher publisher = scenario.publisher();
                 ProcessorApp first = ProcessorApp.start(scenario.processorConfig(stub.baseUrl(), 256))) {
                publisher.publish(question(scenario, "first"));
                publisher.flush();
                results.awaitCount(1, Duration.ofMinutes(2));
            }
            try (JobPublisher publisher = scenario.publisher()) {
                for (int i = 0; i < jobs; i++) {
                    publisher.publish(question(scenario, "job-" + i));
                }
                publisher.flush();
            }
            Map<String, Object> config = scenario.processorConfig(stub.baseUrl(), 256);
            // an application of its own: it reads the tenant's jobs from the start, the first one included
            config.put(ProcessorConfig.APPLICATION_ID_CONFIG, "bench-" + scenario.run + "-hits");
            try (ProcessorApp hits = ProcessorApp.start(config)) {
                results.awaitCount(jobs + 2, Duration.ofMinutes(10));
            }
            long calls = stub.requestCount() - callsBefore;
            System.out.printf("cache hits: %d jobs, %.0f jobs/s, %d model call(s) in all%n", jobs, results.rate(), calls);
            return new Hits(results.rate(), calls);
        }
    }

    private static JobRequest question(BenchScenario scenario, String jobId) {
        return JobRequest.newBuilder().setJobId(jobId).setTenantId(scenario.tenant.value()).setModel("stub-model")
                .setMessages(List.of(new ChatMessage("system", "Classify the ticket: billing, bug or question."),
                        new ChatMessage("user", "The invoice fails to download.")))
                .setParameters(JobParameters.newBuilder().setTemperature(0.0).setMaxOutputTokens(32).build())
                .setSubmittedAt(Instant.now()).build();
    }
}
