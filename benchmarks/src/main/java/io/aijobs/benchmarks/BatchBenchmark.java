package io.aijobs.benchmarks;

import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.modelstub.BatchBehaviour;
import io.aijobs.devstack.modelstub.LatencyDistribution;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.processor.ProcessorApp;
import io.aijobs.processor.ProcessorConfig;
import io.aijobs.producer.JobPublisher;
import io.aijobs.schema.JobPriority;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.ModelCallUsage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * B7: batch routing. The same jobs, answered once through the stub's batch interface (priority BATCH, batches of up to
 * 1,000, the stub ending each batch {@link #COMPLETION_DELAY} after its creation) and once by a call each (the stub
 * answering at once), each by a fresh processor on a backlog published before it starts. Measured: what each run spent
 * and saved, from its usage records, and its results per hour from the processor's start to the last result.
 */
final class BatchBenchmark {

    /** GPT-4o mini's prices at OpenAI: 0.15 in and 0.60 out per million tokens, half through /v1/batches. */
    static final String PRICES = "stub-model=0.15:0.60::0.075:0.30";
    static final Duration COMPLETION_DELAY = Duration.ofSeconds(5);

    /** One run: end-to-end results per hour, and the sums of its usage records. */
    record Run(int jobs, double resultsPerHour, long spentNanos, long batchSavedNanos, int batchesCreated, long callsAlone) {
    }

    private BatchBenchmark() {
    }

    static Run run(StackEndpoints stack, int jobs, boolean batch) throws Exception {
        BenchScenario scenario = new BenchScenario(stack);
        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Fixed(0))
                .withBatches(new BatchBehaviour(COMPLETION_DELAY, false, 0, 0, false)))) {
            try (JobPublisher publisher = scenario.publisher()) {
                for (int i = 0; i < jobs; i++) {
                    JobRequest job = scenario.job(i);
                    job.setPriority(batch ? JobPriority.BATCH : JobPriority.INTERACTIVE);
                    publisher.publish(job);
                }
                publisher.flush();
            }
            Map<String, Object> config = scenario.processorConfig(stub.baseUrl(), 256);
            config.put(ProcessorConfig.PRICING_MODELS_CONFIG, PRICES);
            if (batch) {
                config.put(ProcessorConfig.BATCH_ENDPOINTS_CONFIG, "default");
                config.put(ProcessorConfig.BATCH_MAX_WAIT_MS_CONFIG, "2000");
                config.put(ProcessorConfig.BATCH_POLL_INTERVAL_MS_CONFIG, "1000");
            }
            double perHour;
            try (BenchScenario.ResultWatcher results = scenario.new ResultWatcher(scenario.names.results(scenario.tenant), false)) {
                long start = System.nanoTime();
                try (ProcessorApp app = ProcessorApp.start(config)) {
                    long deadline = start + TimeUnit.MINUTES.toNanos(10);
                    while (results.count() < jobs && System.nanoTime() < deadline) {
                        Thread.sleep(200);
                    }
                    if (results.count() < jobs) {
                        throw new IllegalStateException("B7 (" + (batch ? "batches" : "calls") + "): " + results.count() + " of " + jobs
                                + " results within 10 minutes");
                    }
                    perHour = jobs / ((System.nanoTime() - start) / 1e9) * 3600;
                }
            }
            List<ModelCallUsage> usage = new CommittedRecords(stack).decodeAll(scenario.names.usage(), ModelCallUsage.class);
            long spent = usage.stream().mapToLong(call -> call.getCost().getAmountNanos()).sum();
            long saved = usage.stream().mapToLong(ModelCallUsage::getBatchSavedNanos).sum();
            Run run = new Run(jobs, perHour, spent, saved, stub.batchesCreated(), stub.requestCount());
            System.out.printf("B7 %s: %d jobs, %.0f results/h, spent %d nanos, batch saved %d nanos, %d batches, %d calls on their own, "
                    + "%d usage records%n", batch ? "batches" : "calls", jobs, perHour, spent, saved, run.batchesCreated(), run.callsAlone(),
                    usage.size());
            if (usage.size() != jobs) {
                throw new IllegalStateException("B7: " + usage.size() + " usage records for " + jobs + " jobs");
            }
            return run;
        }
    }
}
