package io.aijobs.costs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.ModelPrice;
import io.aijobs.schema.ModelCallUsage;
import io.aijobs.schema.TenantSpend;
import io.aijobs.schema.UsageAggregate;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The cost aggregator with the processor on a real broker and registry. */
@ExtendWith(DevStackExtension.class)
class CostAggregatorIT {

    private ModelStub stub;
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        processes.forEach(Process::destroyForcibly);
        if (stub != null) {
            stub.close();
        }
    }

    private static Map<String, Object> processorConfig(AggregatorHarness harness, String modelUrl, Map<String, Object> overrides)
            throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(ProcessorConfig.APPLICATION_ID_CONFIG, "processor-ca-it-" + harness.run);
        props.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, harness.stack.bootstrapServers());
        props.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, harness.stack.schemaRegistryUrl());
        props.put(ProcessorConfig.AUTO_REGISTER_SCHEMAS_CONFIG, "true");
        props.put(ProcessorConfig.TENANT_TOPIC_PREFIX_CONFIG, harness.names.tenantPrefix());
        props.put(ProcessorConfig.PLATFORM_TOPIC_PREFIX_CONFIG, harness.names.platformPrefix());
        props.put(ProcessorConfig.MODEL_BASE_URL_CONFIG, modelUrl);
        props.put(ProcessorConfig.PRICING_MODELS_CONFIG, "stub-model=1.00:2.00");
        props.put(ProcessorConfig.TENANT_DISCOVERY_INTERVAL_MS_CONFIG, "2000");
        props.put(ProcessorConfig.STREAMS_PREFIX + "state.dir", Files.createTempDirectory("processor-ca-it-").toString());
        props.putAll(overrides);
        return props;
    }

    private static JobPublisher publisher(AggregatorHarness harness) {
        return JobPublisher.create(Map.of(PublisherConfig.BOOTSTRAP_SERVERS_CONFIG, harness.stack.bootstrapServers(),
                PublisherConfig.SCHEMA_REGISTRY_URL_CONFIG, harness.stack.schemaRegistryUrl(),
                PublisherConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true,
                PublisherConfig.TENANT_TOPIC_PREFIX_CONFIG, harness.names.tenantPrefix(),
                PublisherConfig.PLATFORM_TOPIC_PREFIX_CONFIG, harness.names.platformPrefix(),
                "max.in.flight.requests.per.connection", 1));
    }

    private static JobRequest job(AggregatorHarness harness, String jobId, String content) {
        return JobRequest.newBuilder().setJobId(jobId).setTenantId(harness.tenant.value()).setModel("stub-model")
                .setMessages(List.of(new ChatMessage("user", content)))
                .setParameters(JobParameters.newBuilder().setMaxOutputTokens(32).build()).setSubmittedAt(Instant.now()).build();
    }

    private static UsageAggregate latestMonth(AggregatorHarness harness) {
        UsageAggregate latest = null;
        for (ConsumerRecord<String, UsageAggregate> record : harness.committed(harness.topics.usageAggregates())) {
            if (record.value().getWindow().equals(WindowSpec.MONTH) && record.value().getModel() == null) {
                latest = record.value();
            }
        }
        return latest;
    }

    @Test
    void shouldAddUpToTheResultsCostsExactlyAttributeRetryCostAndServeTheFiguresBesideHealthOverHttp(StackEndpoints stack) throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());
        AggregatorHarness harness = new AggregatorHarness(stack);
        int good = 90;
        int refused = 10;
        try (CostAggregatorApp aggregator = CostAggregatorApp.start(harness.aggregatorConfig(
                Map.of(CostAggregatorConfig.HTTP_PORT_CONFIG, "0")));
             ProcessorApp processor = ProcessorApp.start(processorConfig(harness, stub.baseUrl(), Map.of()));
             JobPublisher publisher = publisher(harness)) {
            for (int i = 0; i < good + refused; i++) {
                publisher.publish(job(harness, "job-" + i, i % 10 == 9 ? "[[stub:refusal]] tell me" : "Summarise ticket " + i));
            }
            publisher.flush();
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                UsageAggregate month = latestMonth(harness);
                return month != null && month.getCalls() == good + refused;
            });

            List<JobResult> results = harness.committed(harness.topics.results(harness.tenant)).stream()
                    .map(ConsumerRecord::value).toList();
            List<ModelCallUsage> usage = harness.committed(harness.topics.usage()).stream()
                    .map(ConsumerRecord::value).toList();
            UsageAggregate month = latestMonth(harness);
            long resultsCost = results.stream().mapToLong(result -> result.getCost().getAmountNanos()).sum();
            long retryCost = usage.stream().filter(call -> !call.getProducedResult()).mapToLong(call -> call.getCost().getAmountNanos()).sum();
            assertThat(results).hasSize(good);
            assertThat(month.getJobsSucceeded()).isEqualTo(good);
            assertThat(month.getCostNanos() - month.getRetryCostNanos()).as("aggregated cost of answered calls").isEqualTo(resultsCost);
            assertThat(month.getRetryCostNanos()).as("refused calls are paid and are retry cost").isEqualTo(retryCost).isPositive();
            assertThat(month.getCallsFailedByCategory()).containsEntry(FailureCategory.PERMANENT.name(), (long) refused);
            assertThat(month.getModelLatencyMs().getCount()).isEqualTo(good + refused);
            assertThat(month.getModelLatencyMs().getP99()).isGreaterThanOrEqualTo(month.getModelLatencyMs().getP50());

            // the same figures from the usage endpoint (interactive queries) and in the Prometheus scrape
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + aggregator.httpPort();
            var endpointWindows = new com.fasterxml.jackson.databind.ObjectMapper().readTree(http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(base + "/tenants/acme/usage?window=month")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body());
            assertThat(endpointWindows).hasSize(1);
            assertThat(endpointWindows.get(0).path("costNanos").asLong()).isEqualTo(month.getCostNanos());
            assertThat(endpointWindows.get(0).path("calls").asLong()).isEqualTo(good + refused);
            var notFound = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/tenants/Not.Valid/usage")).timeout(java.time.Duration.ofSeconds(30)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(notFound.statusCode()).isEqualTo(400);
            String scrape = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/metrics")).timeout(java.time.Duration.ofSeconds(30)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(scrape).containsPattern("aijobs_usage_records_total\\{tenant=\"acme\"\\} " + (good + refused) + "\\.0")
                    .contains("kafka_stream");
            // and health beside them, on the same port
            var ready = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/health/ready")).timeout(java.time.Duration.ofSeconds(30)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).startsWith("{\"status\":\"UP\"");
        }
    }

    @Test
    void shouldPriceCachedPromptTokensAtTheCachedPriceAndAddUpWhatTheySavedInTheAggregatesEndpointAndMetrics(StackEndpoints stack)
            throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults().withPromptCache(true));
        AggregatorHarness harness = new AggregatorHarness(stack);
        int jobs = 20;
        // one token per 4 characters at the stub: a 1,000-token system prompt that every job shares
        String system = "You triage support tickets. ".repeat(143).substring(0, 4_000);
        try (CostAggregatorApp aggregator = CostAggregatorApp.start(harness.aggregatorConfig(
                Map.of(CostAggregatorConfig.HTTP_PORT_CONFIG, "0")));
             ProcessorApp processor = ProcessorApp.start(processorConfig(harness, stub.baseUrl(),
                     Map.of(ProcessorConfig.PRICING_MODELS_CONFIG, "stub-model=1.00:2.00:0.10")));
             JobPublisher publisher = publisher(harness)) {
            for (int i = 0; i < jobs; i++) {
                JobRequest job = job(harness, "job-" + i, "Summarise ticket " + i);
                job.setMessages(List.of(new ChatMessage("system", system), new ChatMessage("user", "Summarise ticket " + i)));
                publisher.publish(job);
            }
            publisher.flush();
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                UsageAggregate month = latestMonth(harness);
                return month != null && month.getCalls() == jobs;
            });

            List<ModelCallUsage> usage = harness.committed(harness.topics.usage()).stream().map(ConsumerRecord::value).toList();
            assertThat(usage).hasSize(jobs);
            assertThat(usage).filteredOn(call -> call.getCachedInputTokens() == 0).as("the first call to send the system prompt").hasSize(1);
            assertThat(usage).filteredOn(call -> call.getCachedInputTokens() == 1_000).hasSize(jobs - 1);
            for (ModelCallUsage call : usage) {
                // 1.00 per million input tokens is 1,000 nanos per token, 0.10 is 100, 2.00 is 2,000
                long uncached = call.getInputTokens() - call.getCachedInputTokens();
                assertThat(call.getCost().getAmountNanos()).as(call.getCallId())
                        .isEqualTo(uncached * 1_000 + call.getCachedInputTokens() * 100L + call.getOutputTokens() * 2_000L);
                assertThat(call.getPromptCacheSavedNanos()).as(call.getCallId()).isEqualTo(call.getCachedInputTokens() * 900L);
            }
            Map<String, JobResult> results = new HashMap<>();
            harness.committed(harness.topics.results(harness.tenant)).forEach(record -> results.put(record.key(), record.value()));
            assertThat(results).hasSize(jobs);
            assertThat(usage).allSatisfy(call -> assertThat(results.get(call.getJobId()).getCachedInputTokens())
                    .isEqualTo(call.getCachedInputTokens()));

            UsageAggregate month = latestMonth(harness);
            long saved = (jobs - 1) * 1_000 * 900L;
            assertThat(month.getCachedInputTokens()).isEqualTo((jobs - 1) * 1_000L);
            assertThat(month.getPromptCacheSavedNanos()).isEqualTo(saved);
            assertThat(month.getCostNanos()).isEqualTo(usage.stream().mapToLong(call -> call.getCost().getAmountNanos()).sum());

            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + aggregator.httpPort();
            var window = new com.fasterxml.jackson.databind.ObjectMapper().readTree(http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(base + "/tenants/acme/usage?window=month")).timeout(Duration.ofSeconds(30)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body()).get(0);
            assertThat(window.path("cachedInputTokens").asLong()).isEqualTo((jobs - 1) * 1_000L);
            assertThat(window.path("promptCacheSavedNanos").asLong()).isEqualTo(saved);
            String scrape = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/metrics")).timeout(Duration.ofSeconds(30))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(scrape).containsPattern("aijobs_usage_saved_nanos_total\\{lever=\"prompt_cache\",model=\"stub-model\",tenant=\"acme\"\\} "
                    + "1\\.71E7");
        }
    }

    @Test
    void shouldSkipAndCountACorruptPriceRecordKeepTheLastGoodPriceAndKeepFollowingThePricesTopic(StackEndpoints stack)
            throws Exception {
        AggregatorHarness harness = new AggregatorHarness(stack);
        java.time.Instant from = java.time.Instant.parse("2026-11-01T00:00:00Z");
        java.util.function.BiFunction<String, String, ModelPrice> price = (model, input) -> ModelPrice.newBuilder().setModel(model)
                .setEffectiveFrom(from).setInputPerMillion(input).setOutputPerMillion("2.00").setVersion("it-1").build();
        try (CostAggregatorApp aggregator = CostAggregatorApp.start(harness.aggregatorConfig(
                Map.of(CostAggregatorConfig.HTTP_PORT_CONFIG, "0")));
             KafkaProducer<String, ModelPrice> prices = harness.producer(harness.topics.prices());
             KafkaProducer<String, byte[]> raw = new KafkaProducer<>(Map.of("bootstrap.servers", stack.bootstrapServers()),
                     new org.apache.kafka.common.serialization.StringSerializer(),
                     new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            String topic = harness.names.prices();
            prices.send(new ProducerRecord<>(topic, 0, "m@" + from, price.apply("m", "1.00"))).get(30, java.util.concurrent.TimeUnit.SECONDS);
            raw.send(new ProducerRecord<>(topic, 0, "m@" + from, new byte[] {0, 0x7f, 0, 0, 1, 9, 9, 9})).get(30, java.util.concurrent.TimeUnit.SECONDS);
            prices.send(new ProducerRecord<>(topic, 0, "n@" + from, price.apply("n", "3.00"))).get(30, java.util.concurrent.TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(60)).until(() -> aggregator.prices().at("n", from).isPresent());

            assertThat(aggregator.prices().at("m", from)).as("the last good price of m stays in effect")
                    .hasValueSatisfying(entry -> assertThat(entry.source().getInputPerMillion()).isEqualTo("1.00"));
            // the aggregator runs on past the corrupt record
            await().atMost(Duration.ofSeconds(60)).until(() -> aggregator.streams().state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING);
            String scrape = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                    "http://127.0.0.1:" + aggregator.httpPort() + "/metrics")).timeout(java.time.Duration.ofSeconds(30)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(scrape).contains("aijobs_platform_records_skipped_total{topic=\"" + topic + "\"} 1.0");
        }
    }

    @Test
    void shouldAlertOncePerBudgetThresholdWhenKilledAndRestartedAroundTheCrossing(StackEndpoints stack) throws Exception {
        AggregatorHarness harness = new AggregatorHarness(stack);
        Path work = Files.createDirectories(Path.of("target", "budget-it-" + harness.run));
        Map<String, Object> config = harness.aggregatorConfig(Map.of(CostAggregatorConfig.BUDGETS_CONFIG, "acme=1.00"));
        long dime = 100_000_000L;
        int[] sent = {0};
        try (KafkaProducer<String, ModelCallUsage> producer = harness.producer(harness.topics.usage())) {
            Runnable tenCents = () -> {
                int n = sent[0]++;
                Instant now = Instant.now();
                producer.send(new ProducerRecord<>(harness.names.usage(), "acme", ModelCallUsage.newBuilder().setCallId("c-" + n)
                        .setJobId("j-" + n).setTenantId("acme").setModel("m").setAttempt(1).setOutcome(CallOutcome.SUCCESS)
                        .setInputTokens(1).setOutputTokens(1)
                        .setCost(Cost.newBuilder().setAmountNanos(dime).setCurrency("USD").setPricingVersion("v").setPriced(true).build())
                        .setProducedResult(true).setStartedAt(now).setCompletedAt(now).setLatencyMs(1).setJobSubmittedAt(now).build()));
            };
            for (int i = 0; i < 4; i++) {
                tenCents.run();
            }
            producer.flush();
            Process first = start(config, work.resolve("first"));
            await().atMost(Duration.ofSeconds(90)).until(() -> spent(harness) == 4 * dime);

            // cross 50% and kill at once: the crossing may or may not be committed when the process dies
            tenCents.run();
            tenCents.run();
            producer.flush();
            first.destroyForcibly();
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();

            start(config, work.resolve("second"));
            for (int i = 0; i < 5; i++) {
                tenCents.run();
            }
            producer.flush();
            await().atMost(Duration.ofSeconds(90)).until(() -> spent(harness) == 11 * dime);
        }
        String period = WindowSpec.period(System.currentTimeMillis());
        List<String> alerts = harness.committed(harness.topics.alerts()).stream().map(record -> record.value().getAlertKey())
                .toList();
        assertThat(alerts).containsExactlyInAnyOrder("budget/acme/" + period + "/50", "budget/acme/" + period + "/80",
                "budget/acme/" + period + "/100", "budget-hard-limit/acme/" + period);
        assertThat(harness.committed(harness.topics.tenantAlerts(harness.tenant))).hasSize(4);
    }

    private static long spent(AggregatorHarness harness) {
        List<ConsumerRecord<String, TenantSpend>> spend = harness.committed(harness.topics.tenantSpend());
        return spend.isEmpty() ? -1 : spend.get(spend.size() - 1).value().getSpentNanos();
    }

    private Process start(Map<String, Object> config, Path base) throws Exception {
        Properties props = new Properties();
        config.forEach((key, value) -> props.setProperty(key, value.toString()));
        Path file = Path.of(base + ".properties");
        try (Writer out = Files.newBufferedWriter(file)) {
            props.store(out, "CostAggregatorIT");
        }
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.aijobs.schema", "-cp", System.getProperty("java.class.path"),
                CostAggregatorApp.class.getName(), file.toString())
                .redirectErrorStream(true).redirectOutput(Path.of(base + ".log").toFile()).start();
        processes.add(process);
        return process;
    }

    @Test
    void shouldStopCallingTheModelForATenantOverItsHardLimit(StackEndpoints stack) throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Fixed(200)));
        AggregatorHarness harness = new AggregatorHarness(stack);
        int jobs = 60;
        int maxInFlight = 2;
        long hardLimit = 500_000L;
        try (CostAggregatorApp aggregator = CostAggregatorApp.start(harness.aggregatorConfig(
                Map.of(CostAggregatorConfig.BUDGETS_CONFIG, "acme=0.0005")));
             ProcessorApp processor = ProcessorApp.start(processorConfig(harness, stub.baseUrl(),
                     Map.of(ProcessorConfig.MAX_IN_FLIGHT_CONFIG, maxInFlight)));
             JobPublisher publisher = publisher(harness)) {
            for (int i = 0; i < jobs; i++) {
                publisher.publish(job(harness, "job-" + i, "Summarise ticket " + i + ": the invoice fails to download."));
            }
            publisher.flush();
            await().atMost(Duration.ofSeconds(120)).until(() ->
                    harness.committed(harness.topics.results(harness.tenant)).size()
                            + harness.committed(harness.topics.deadLetter(harness.tenant)).size() >= jobs);

            List<JobFailure> refused = harness.committed(harness.topics.deadLetter(harness.tenant)).stream()
                    .map(ConsumerRecord::value).toList();
            assertThat(refused).isNotEmpty().allSatisfy(failure -> {
                assertThat(failure.getCategory()).isEqualTo(FailureCategory.BUDGET);
                assertThat(failure.getAttempts()).isZero();
                assertThat(stub.callsByIdempotencyKey()).doesNotContainKey(failure.getJobId() + "-1");
            });
            List<ModelCallUsage> calls = harness.committed(harness.topics.usage()).stream()
                    .map(ConsumerRecord::value).sorted(Comparator.comparing(ModelCallUsage::getCompletedAt)).toList();
            long cumulative = 0;
            int crossing = 0;
            while (crossing < calls.size() && cumulative < hardLimit) {
                cumulative += calls.get(crossing++).getCost().getAmountNanos();
            }
            int overshoot = calls.size() - crossing;
            System.out.printf("hard limit crossed by call %d of %d; %d call(s) after it (max.in.flight %d, 200 ms calls)%n", crossing,
                    calls.size(), overshoot, maxInFlight);
            // documented bound: calls in flight at the crossing, plus calls started while the spend record travels
            // (aggregator commit, spend topic, processor's global store): at 10 calls/s, 3 s of propagation allowed
            assertThat(overshoot).isLessThanOrEqualTo(maxInFlight + 30);
            assertThat(stub.requestCount()).isEqualTo(calls.size());
        }
    }
}
