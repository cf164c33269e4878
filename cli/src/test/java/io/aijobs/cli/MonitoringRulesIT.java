package io.aijobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aijobs.contracts.TenantId;
import io.aijobs.costs.CostAggregatorApp;
import io.aijobs.costs.CostAggregatorConfig;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.junit.DevStackExtension;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.processor.ProcessorApp;
import io.aijobs.processor.ProcessorConfig;
import io.aijobs.producer.JobPublisher;
import io.aijobs.producer.PublisherConfig;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import io.aijobs.testing.TestDeployment;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The alert rules in {@code monitoring/prometheus/aijobs-alerts.yml} use only metrics the applications export: both run
 * on the test stack, jobs succeed, fail and retry, a budget is crossed, and every metric name of every rule must be in
 * one of the two scrapes.
 */
@ExtendWith(DevStackExtension.class)
class MonitoringRulesIT {

    private static final Path RULES = Path.of("..", "monitoring", "prometheus", "aijobs-alerts.yml");
    /** The metric names of our namespaces in a rule ({@code up} is Prometheus' own). */
    private static final Pattern METRIC = Pattern.compile("\\b((?:aijobs|kafka|jvm|process|gen_ai)_[a-z0-9_]+)\\b");
    private static final TenantId ACME = TenantId.of("acme");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static String scrape(int port) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static Set<String> exported(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    private static JobRequest job(String jobId, String content) {
        return JobRequest.newBuilder().setJobId(jobId).setTenantId(ACME.value()).setModel("stub-model")
                .setMessages(List.of(new ChatMessage("user", content))).setParameters(JobParameters.newBuilder().setMaxOutputTokens(16).build())
                .setSubmittedAt(Instant.now()).build();
    }

    @Test
    void shouldUseOnlyMetricsTheApplicationsExport(StackEndpoints stack) throws Exception {
        Set<String> used = new TreeSet<>();
        Matcher matcher = METRIC.matcher(Files.readString(RULES));
        while (matcher.find()) {
            used.add(matcher.group(1));
        }
        assertThat(used).as("the rules name our metrics").contains("aijobs_jobs_failed_total", "aijobs_application_ready");

        TestDeployment deployment = new TestDeployment(stack, "mon", List.of(ACME));
        Map<String, Object> processor = new HashMap<>();
        processor.put(ProcessorConfig.APPLICATION_ID_CONFIG, "processor-mon-" + deployment.run());
        processor.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        processor.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
        processor.put(ProcessorConfig.AUTO_REGISTER_SCHEMAS_CONFIG, "true");
        processor.put(ProcessorConfig.TENANT_TOPIC_PREFIX_CONFIG, deployment.names().tenantPrefix());
        processor.put(ProcessorConfig.PLATFORM_TOPIC_PREFIX_CONFIG, deployment.names().platformPrefix());
        processor.put(ProcessorConfig.PRICING_MODELS_CONFIG, "stub-model=1.00:2.00");
        processor.put(ProcessorConfig.METRICS_PORT_CONFIG, "0");
        processor.put("retry.transient.max.attempts", "2");
        processor.put("retry.transient.backoff.initial.ms", "100");
        processor.put(ProcessorConfig.STREAMS_PREFIX + "state.dir", Files.createTempDirectory("processor-mon-").toString());
        Map<String, Object> aggregator = new HashMap<>();
        aggregator.put(CostAggregatorConfig.APPLICATION_ID_CONFIG, "aggregator-mon-" + deployment.run());
        aggregator.put(CostAggregatorConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        aggregator.put(CostAggregatorConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
        aggregator.put(CostAggregatorConfig.AUTO_REGISTER_SCHEMAS_CONFIG, "true");
        aggregator.put(CostAggregatorConfig.TENANT_TOPIC_PREFIX_CONFIG, deployment.names().tenantPrefix());
        aggregator.put(CostAggregatorConfig.PLATFORM_TOPIC_PREFIX_CONFIG, deployment.names().platformPrefix());
        aggregator.put(CostAggregatorConfig.BUDGETS_CONFIG, "acme=0.000001");
        aggregator.put(CostAggregatorConfig.EMIT_INTERVAL_MS_CONFIG, "500");
        aggregator.put(CostAggregatorConfig.HTTP_PORT_CONFIG, "0");
        aggregator.put(CostAggregatorConfig.STREAMS_PREFIX + "state.dir", Files.createTempDirectory("aggregator-mon-").toString());

        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults())) {
            processor.put(ProcessorConfig.MODEL_BASE_URL_CONFIG, stub.baseUrl());
            try (ProcessorApp processorApp = ProcessorApp.start(processor);
                 CostAggregatorApp aggregatorApp = CostAggregatorApp.start(aggregator);
                 JobPublisher publisher = JobPublisher.create(Map.of(PublisherConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                         PublisherConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl(), PublisherConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true,
                         PublisherConfig.TENANT_TOPIC_PREFIX_CONFIG, deployment.names().tenantPrefix(),
                         PublisherConfig.PLATFORM_TOPIC_PREFIX_CONFIG, deployment.names().platformPrefix()))) {
                publisher.publish(job("ok-1", "Summarise ok-1"));
                publisher.publish(job("permanent-1", "[[stub:invalid_request]]"));
                publisher.publish(job("transient-1", "[[stub:unavailable]]"));
                publisher.flush();

                Set<String> exported = new TreeSet<>();
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                    exported.clear();
                    exported.addAll(exported(scrape(processorApp.metricsPort())));
                    exported.addAll(exported(scrape(aggregatorApp.httpPort())));
                    return exported.containsAll(Set.of("aijobs_jobs_failed_total", "aijobs_jobs_retries_scheduled_total", "aijobs_alerts_total"));
                });

                assertThat(exported).as("every metric of every rule is exported").containsAll(used);
            }
        }
    }
}
