package io.aijobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aijobs.contracts.TenantId;
import io.aijobs.costs.CostAggregatorApp;
import io.aijobs.costs.CostAggregatorConfig;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.junit.DevStackExtension;
import io.aijobs.devstack.modelstub.LatencyDistribution;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.processor.ProcessorApp;
import io.aijobs.processor.ProcessorConfig;
import io.aijobs.producer.JobPublisher;
import io.aijobs.producer.PublisherConfig;
import io.aijobs.schema.CallOutcome;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.Cost;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.ModelCallUsage;
import io.aijobs.testing.TestDeployment;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The alert rules in {@code monitoring/prometheus/aijobs-alerts.yml} and the Grafana dashboards in
 * {@code monitoring/grafana/dashboards} use only metrics the applications export: both run on the test stack through
 * what each panel counts (jobs succeed, fail, retry, queue and repeat; a model without a price; a budget crossed; a
 * prompt-cache saving; an undecodable platform record; a late usage record; a collection), and every metric name of every rule, panel query and
 * dashboard variable must be in one of the two scrapes.
 */
@ExtendWith(DevStackExtension.class)
class MonitoringMetricsIT {

    private static final Path RULES = Path.of("..", "monitoring", "prometheus", "aijobs-alerts.yml");
    private static final Path DASHBOARDS = Path.of("..", "monitoring", "grafana", "dashboards");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The metric names of our namespaces in a rule ({@code up} is Prometheus' own). */
    private static final Pattern METRIC = Pattern.compile("\\b((?:aijobs|kafka|jvm|process|gen_ai)_[a-z0-9_]+)\\b");
    private static final TenantId ACME = TenantId.of("acme");
    /** A tenant of its own crosses the budget: its hard limit refuses its jobs, and acme's must reach the model. */
    private static final TenantId THRIFTY = TenantId.of("thrifty");
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

    /** Whether the scrape has a usage-records series of the tenant with a count above zero. */
    private static boolean countedUsageOf(String scrape, TenantId tenant) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith("aijobs_usage_records_total{") && line.contains("tenant=\"" + tenant.value() + "\"")
                    && Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) > 0) {
                return true;
            }
        }
        return false;
    }

    private static JobRequest job(String jobId, String content) {
        return job(ACME, jobId, content);
    }

    private static JobRequest job(TenantId tenant, String jobId, String content) {
        return JobRequest.newBuilder().setJobId(jobId).setTenantId(tenant.value()).setModel("stub-model")
                .setMessages(List.of(new ChatMessage("user", content))).setParameters(JobParameters.newBuilder().setMaxOutputTokens(16).build())
                .setSubmittedAt(Instant.now()).build();
    }

    /** The metric names of a PromQL expression: label matchers, grouping labels and label_values' label left out. */
    static Set<String> metricNames(String expression) {
        String stripped = expression.replaceAll("\\{[^}]*}", "")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "")
                .replaceAll("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,[^)]*\\)", "$1");
        Set<String> names = new TreeSet<>();
        Matcher matcher = METRIC.matcher(stripped);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    /** Every panel query (panels nested in rows too) and every query variable of the dashboard. */
    private static List<String> queries(JsonNode dashboard) {
        List<String> queries = new ArrayList<>();
        dashboard.findValues("targets").forEach(targets -> targets.forEach(target -> queries.add(target.path("expr").asText())));
        dashboard.path("templating").path("list").forEach(variable -> {
            JsonNode query = variable.path("query");
            queries.add(query.isObject() ? query.path("query").asText() : query.asText());
            queries.add(variable.path("definition").asText());
        });
        return queries;
    }

    @Test
    void shouldReadMetricNamesOutOfPromQlAndNotLabels() {
        assertThat(metricNames("histogram_quantile(0.95, sum by (le, gen_ai_request_model) (rate(gen_ai_client_operation_duration_seconds_bucket"
                + "{gen_ai_request_model=~\"$model\"}[5m])))")).containsExactly("gen_ai_client_operation_duration_seconds_bucket");
        assertThat(metricNames("label_values(gen_ai_client_operation_duration_seconds_count, gen_ai_request_model)"))
                .containsExactly("gen_ai_client_operation_duration_seconds_count");
        assertThat(metricNames("max by (tenant) (aijobs_tenant_spend_nanos) / max by (tenant) (aijobs_tenant_budget_nanos > 0)"))
                .containsExactly("aijobs_tenant_budget_nanos", "aijobs_tenant_spend_nanos");
    }

    @Test
    void shouldUseOnlyMetricsTheApplicationsExportInTheAlertRulesAndTheDashboards(StackEndpoints stack) throws Exception {
        Set<String> used = new TreeSet<>();
        Matcher matcher = METRIC.matcher(Files.readString(RULES));
        while (matcher.find()) {
            used.add(matcher.group(1));
        }
        assertThat(used).as("the rules name our metrics").contains("aijobs_jobs_failed_total", "aijobs_application_ready");
        List<Path> dashboards;
        try (var files = Files.list(DASHBOARDS)) {
            dashboards = files.filter(file -> file.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(dashboards).as("the dashboards").hasSizeGreaterThanOrEqualTo(2);
        Set<String> panels = new TreeSet<>();
        for (Path dashboard : dashboards) {
            queries(JSON.readTree(dashboard.toFile())).forEach(query -> panels.addAll(metricNames(query)));
        }
        assertThat(panels).as("the dashboards draw on our metrics").contains("aijobs_model_calls_inflight", "aijobs_model_calls_capacity",
                "aijobs_job_duration_seconds_bucket", "aijobs_usage_cost_nanos_total", "aijobs_usage_saved_nanos_total", "aijobs_tenant_spend_nanos",
                "kafka_consumer_fetch_manager_records_lag_max");
        used.addAll(panels);

        TestDeployment deployment = new TestDeployment(stack, "mon", List.of(ACME, THRIFTY));
        Map<String, Object> processor = new HashMap<>();
        processor.put(ProcessorConfig.APPLICATION_ID_CONFIG, "processor-mon-" + deployment.run());
        processor.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        processor.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
        processor.put(ProcessorConfig.AUTO_REGISTER_SCHEMAS_CONFIG, "true");
        processor.put(ProcessorConfig.TENANT_TOPIC_PREFIX_CONFIG, deployment.names().tenantPrefix());
        processor.put(ProcessorConfig.PLATFORM_TOPIC_PREFIX_CONFIG, deployment.names().platformPrefix());
        processor.put(ProcessorConfig.PRICING_MODELS_CONFIG, "stub-model=1.00:2.00:0.10");
        processor.put(ProcessorConfig.METRICS_PORT_CONFIG, "0");
        // one call slot and no waiting for it: the second job at once is queued
        processor.put(ProcessorConfig.MAX_IN_FLIGHT_CONFIG, "1");
        processor.put(ProcessorConfig.BACKPRESSURE_MAX_BLOCK_MS_CONFIG, "0");
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
        aggregator.put(CostAggregatorConfig.BUDGETS_CONFIG, THRIFTY.value() + "=0.000001");
        aggregator.put(CostAggregatorConfig.EMIT_INTERVAL_MS_CONFIG, "500");
        aggregator.put(CostAggregatorConfig.GRACE_MS_CONFIG, "1000");
        aggregator.put(CostAggregatorConfig.HTTP_PORT_CONFIG, "0");
        aggregator.put(CostAggregatorConfig.STREAMS_PREFIX + "state.dir", Files.createTempDirectory("aggregator-mon-").toString());

        // each call holds the one call slot for 500 ms: jobs published together find it taken and queue
        // its prompt cache reports the shared system prompt of the second "cached" job as cached: the saving is counted
        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Fixed(500)).withPromptCache(true))) {
            processor.put(ProcessorConfig.MODEL_BASE_URL_CONFIG, stub.baseUrl());
            try (ProcessorApp processorApp = ProcessorApp.start(processor);
                 CostAggregatorApp aggregatorApp = CostAggregatorApp.start(aggregator);
                 JobPublisher publisher = JobPublisher.create(Map.of(PublisherConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                         PublisherConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl(), PublisherConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true,
                         PublisherConfig.TENANT_TOPIC_PREFIX_CONFIG, deployment.names().tenantPrefix(),
                         PublisherConfig.PLATFORM_TOPIC_PREFIX_CONFIG, deployment.names().platformPrefix()))) {
                publisher.publish(job("ok-1", "Summarise ok-1"));
                publisher.publish(job(THRIFTY, "thrifty-1", "Summarise thrifty-1"));
                publisher.publish(job("permanent-1", "[[stub:invalid_request]]"));
                publisher.publish(job("transient-1", "[[stub:unavailable]]"));
                publisher.publish(JobRequest.newBuilder(job("unpriced-1", "Summarise unpriced-1")).setModel("model-without-price").build());
                publisher.publish(job("ok-1", "Summarise ok-1"));
                for (String jobId : List.of("cached-1", "cached-2")) {
                    publisher.publish(JobRequest.newBuilder(job(jobId, "Summarise " + jobId))
                            .setMessages(List.of(new ChatMessage("system", "You are a careful assistant."), new ChatMessage("user", jobId))).build());
                }
                publisher.flush();
                try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(Map.of("bootstrap.servers", stack.bootstrapServers()),
                        new StringSerializer(), new ByteArraySerializer());
                     KafkaProducer<String, ModelCallUsage> usage = deployment.producer(deployment.topics().usage())) {
                    // a platform record that does not decode: both applications skip and count it
                    raw.send(new ProducerRecord<>(deployment.topics().prices().name(), "garbage", new byte[] {1, 2, 3})).get(30, TimeUnit.SECONDS);
                    // a usage record three days old, past every window's grace: late, once acme's own usage has moved
                    // the stream time of acme's partition to now (another tenant's usage moves another partition's)
                    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                            .until(() -> countedUsageOf(scrape(aggregatorApp.httpPort()), ACME));
                    Instant old = Instant.now().minus(Duration.ofDays(3));
                    usage.send(new ProducerRecord<>(deployment.topics().usage().name(), null, old.toEpochMilli(), ACME.value(),
                            ModelCallUsage.newBuilder().setCallId("late-1").setJobId("late-1").setTenantId(ACME.value()).setModel("stub-model")
                                    .setAttempt(1).setOutcome(CallOutcome.SUCCESS).setInputTokens(1).setOutputTokens(1)
                                    .setCost(Cost.newBuilder().setAmountNanos(1).setCurrency("USD").setPricingVersion("v").setPriced(true).build())
                                    .setProducedResult(true).setStartedAt(old).setCompletedAt(old).setLatencyMs(1).setJobSubmittedAt(old).build()))
                            .get(30, TimeUnit.SECONDS);
                }

                Set<String> exported = new TreeSet<>();
                try {
                    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                        // the GC pause timer appears with the first collection after the applications started
                        System.gc();
                        exported.clear();
                        exported.addAll(exported(scrape(processorApp.metricsPort())));
                        exported.addAll(exported(scrape(aggregatorApp.httpPort())));
                        return exported.containsAll(used);
                    });
                } catch (ConditionTimeoutException e) {
                    // the assertion below names what is missing
                }

                assertThat(exported).as("every metric of every rule, panel and variable is exported").containsAll(used);
            }
        }
    }
}
