package io.aijobs.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.junit.DevStackExtension;
import io.aijobs.devstack.modelstub.BatchBehaviour;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.producer.JobPublisher;
import io.aijobs.schema.CallOutcome;
import io.aijobs.schema.JobPriority;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.ModelCallUsage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Batch routing against a real broker, registry and the model stub's batch interface: jobs of priority BATCH are
 * answered through {@code /v1/batches} at the batch price, once each; what a batch does not answer is called on its
 * own under the retry policy; an answer for a {@code custom_id} the batch never had is counted and ignored.
 */
@ExtendWith(DevStackExtension.class)
class BatchRoutingIT {

    /** Regular 1.00 in / 2.00 out per million tokens; batch 0.50 / 1.00. */
    private static final String PRICES = "stub-model=1.00:2.00::0.50:1.00";

    private static Map<String, Object> batchConfig(ProcessorHarness harness, String baseUrl) throws Exception {
        Map<String, Object> overrides = new HashMap<>();
        overrides.put(ProcessorConfig.PRICING_MODELS_CONFIG, PRICES);
        overrides.put(ProcessorConfig.BATCH_ENDPOINTS_CONFIG, "default");
        overrides.put(ProcessorConfig.BATCH_MAX_WAIT_MS_CONFIG, "1000");
        overrides.put(ProcessorConfig.BATCH_POLL_INTERVAL_MS_CONFIG, "200");
        overrides.put("retry.transient.backoff.initial.ms", "100");
        overrides.put(ProcessorConfig.METRICS_PORT_CONFIG, "0");
        return harness.config(baseUrl, overrides);
    }

    private static JobRequest batchJob(ProcessorHarness harness, String jobId) {
        JobRequest job = harness.job(jobId);
        job.setPriority(JobPriority.BATCH);
        return job;
    }

    private static Map<String, JobResult> resultsOnce(ProcessorHarness harness) {
        return harness.committedResults().stream().collect(Collectors.toMap(JobResult::getJobId, Function.identity(), (a, b) -> {
            throw new AssertionError("two results for job " + a.getJobId());
        }));
    }

    @Test
    void shouldAnswerBatchPriorityJobsOnceThroughTheBatchInterfaceAtTheBatchPriceAndInteractiveJobsOnTheirOwn(StackEndpoints stack)
            throws Exception {
        ProcessorHarness harness = new ProcessorHarness(stack);
        int batched = 40;
        int interactive = 5;
        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults().withBatches(
                new BatchBehaviour(Duration.ofSeconds(1), false, 0, 0, false)));
             ProcessorApp processor = ProcessorApp.start(batchConfig(harness, stub.baseUrl()));
             JobPublisher publisher = harness.publisher()) {
            for (int i = 0; i < batched; i++) {
                publisher.publish(batchJob(harness, "b-" + i));
            }
            for (int i = 0; i < interactive; i++) {
                publisher.publish(harness.job("i-" + i));
            }
            publisher.flush();
            await().atMost(Duration.ofSeconds(120)).until(() -> harness.committedResults().size() >= batched + interactive);
            // the usage of every call, committed with its result; and a later look finds no second result
            await().atMost(Duration.ofSeconds(30)).until(() -> harness.committed(harness.topics.usage()).size() >= batched + interactive);

            Map<String, JobResult> results = resultsOnce(harness);
            assertThat(results).hasSize(batched + interactive);
            assertThat(stub.batchRequestsByCustomId()).as("each batch job asked in one batch, once").hasSize(batched)
                    .allSatisfy((customId, times) -> assertThat(times).isEqualTo(1));
            assertThat(stub.callsByIdempotencyKey()).as("calls made on their own").hasSize(interactive)
                    .allSatisfy((key, times) -> assertThat(key).startsWith("i-"));
            Map<String, ModelCallUsage> usage = harness.committed(harness.topics.usage()).stream().map(record -> record.value())
                    .collect(Collectors.toMap(ModelCallUsage::getJobId, Function.identity()));
            assertThat(usage).hasSize(batched + interactive);
            for (int i = 0; i < batched; i++) {
                ModelCallUsage call = usage.get("b-" + i);
                assertThat(call.getBatchId()).as(call.getJobId()).startsWith("batch_stub_");
                assertThat(call.getOutcome()).isEqualTo(CallOutcome.SUCCESS);
                assertThat(call.getProducedResult()).isTrue();
                assertThat(call.getAttempt()).isEqualTo(1);
                // 0.50 and 1.00 per million tokens: 500 and 1,000 nano-units a token; regular prices twice that
                long batchCost = call.getInputTokens() * 500L + call.getOutputTokens() * 1_000L;
                assertThat(call.getCost().getAmountNanos()).as(call.getJobId()).isEqualTo(batchCost).isPositive();
                assertThat(call.getBatchSavedNanos()).as(call.getJobId()).isEqualTo(batchCost);
                assertThat(results.get("b-" + i).getCost().getAmountNanos()).isEqualTo(batchCost);
            }
            for (int i = 0; i < interactive; i++) {
                ModelCallUsage call = usage.get("i-" + i);
                assertThat(call.getBatchId()).isNull();
                assertThat(call.getBatchSavedNanos()).isZero();
                assertThat(call.getCost().getAmountNanos()).isEqualTo(call.getInputTokens() * 1_000L + call.getOutputTokens() * 2_000L);
            }
        }
    }

    @Test
    void shouldCallOnTheirOwnTheJobsACompletedBatchFailedOrLeftOutAndIgnoreAnAnswerForAnUnknownCustomId(StackEndpoints stack)
            throws Exception {
        ProcessorHarness harness = new ProcessorHarness(stack);
        int jobs = 24;
        // every 4th request an error line, every 6th no line at all, and one answer for a custom_id never asked
        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults().withBatches(
                new BatchBehaviour(Duration.ofMillis(500), false, 4, 6, true)));
             ProcessorApp processor = ProcessorApp.start(batchConfig(harness, stub.baseUrl()));
             JobPublisher publisher = harness.publisher()) {
            for (int i = 0; i < jobs; i++) {
                publisher.publish(batchJob(harness, "j-" + i));
            }
            publisher.flush();
            await().atMost(Duration.ofSeconds(120)).until(() -> harness.committedResults().size() >= jobs);

            Map<String, JobResult> results = resultsOnce(harness);
            assertThat(results).hasSize(jobs);
            assertThat(harness.committed(harness.topics.deadLetter(harness.tenant))).isEmpty();
            Map<String, Integer> asked = stub.batchRequestsByCustomId();
            assertThat(asked.values()).as("no job asked in two batches").allSatisfy(times -> assertThat(times).isEqualTo(1));
            Map<String, Integer> alone = stub.callsByIdempotencyKey();
            List<ModelCallUsage> usage = harness.committed(harness.topics.usage()).stream().map(record -> record.value()).toList();
            List<String> answeredByBatch = usage.stream().filter(call -> call.getBatchId() != null && call.getProducedResult())
                    .map(ModelCallUsage::getJobId).toList();
            List<String> failedInBatch = usage.stream().filter(call -> call.getBatchId() != null && !call.getProducedResult())
                    .map(ModelCallUsage::getJobId).toList();
            // each job: answered by its batch, or called on its own as attempt 2, never both
            assertThat(alone.keySet()).allSatisfy(key -> assertThat(key).endsWith("-2"));
            assertThat(answeredByBatch.size() + alone.size()).isEqualTo(jobs);
            assertThat(answeredByBatch).doesNotContainAnyElementsOf(alone.keySet().stream().map(key -> key.substring(0, key.length() - 2)).toList());
            assertThat(failedInBatch).as("error lines are failed attempts with their usage").isNotEmpty()
                    .allSatisfy(jobId -> assertThat(alone).containsKey(jobId + "-2"));
            int missing = alone.size() - failedInBatch.size();
            assertThat(missing).as("jobs the completed batch left out, called on their own without a usage record of the batch").isPositive();
            assertThat(results.values()).allSatisfy(result -> assertThat(result.getAttempts())
                    .isEqualTo(alone.containsKey(result.getJobId() + "-2") ? 2 : 1));
            assertThat(metric(processor, "aijobs_batch_results_unknown_total")).as("answers for custom_ids never asked").isPositive();
        }
    }

    @Test
    void shouldCallOnTheirOwnTheJobsAnExpiredBatchDidNotAnswer(StackEndpoints stack) throws Exception {
        ProcessorHarness harness = new ProcessorHarness(stack);
        int jobs = 20;
        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults().withBatches(
                new BatchBehaviour(Duration.ofMillis(500), true, 0, 0, false)));
             ProcessorApp processor = ProcessorApp.start(batchConfig(harness, stub.baseUrl()));
             JobPublisher publisher = harness.publisher()) {
            for (int i = 0; i < jobs; i++) {
                publisher.publish(batchJob(harness, "e-" + i));
            }
            publisher.flush();
            await().atMost(Duration.ofSeconds(120)).until(() -> harness.committedResults().size() >= jobs);

            Map<String, JobResult> results = resultsOnce(harness);
            assertThat(results).hasSize(jobs);
            assertThat(harness.committed(harness.topics.deadLetter(harness.tenant))).as("requests the batch did not run are retried")
                    .isEmpty();
            assertThat(harness.committed(harness.topics.retry("transient"))).extracting(record -> record.value().getErrorType())
                    .as("the error lines' code, batch_expired, is the retry's reason").isNotEmpty().containsOnly("batch_expired");
            long byBatch = harness.committed(harness.topics.usage()).stream().map(record -> record.value())
                    .filter(call -> call.getBatchId() != null).count();
            Map<String, Integer> alone = stub.callsByIdempotencyKey();
            assertThat(byBatch).as("answered by the expired batches (the first half of each)").isPositive();
            assertThat(alone).as("the rest, called on their own").hasSize(jobs - (int) byBatch)
                    .allSatisfy((key, times) -> assertThat(times).isEqualTo(1));
        }
    }

    private static double metric(ProcessorApp processor, String name) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + processor.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        return response.body().lines().filter(line -> line.startsWith(name)).mapToDouble(line -> Double.parseDouble(line.substring(
                line.lastIndexOf(' ') + 1))).sum();
    }
}
