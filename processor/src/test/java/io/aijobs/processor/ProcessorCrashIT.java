package io.aijobs.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.junit.DevStackExtension;
import io.aijobs.devstack.modelstub.Fault;
import io.aijobs.devstack.modelstub.LatencyDistribution;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.producer.JobPublisher;
import io.aijobs.schema.JobResult;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The processor as its own JVM, killed with SIGKILL while model calls are in flight, then started again: every
 * job still gets exactly one result, and the calls made twice are only those that were open (started, not yet
 * committed as finished) at the kill.
 */
@ExtendWith(DevStackExtension.class)
class ProcessorCrashIT {

    private final List<Process> processes = new ArrayList<>();
    private ModelStub stub;

    @AfterEach
    void cleanUp() {
        processes.forEach(Process::destroyForcibly);
        if (stub != null) {
            stub.close();
        }
    }

    private Process startProcessor(Path config, Path log) throws IOException {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.aijobs.schema",
                "-cp", System.getProperty("java.class.path"), ProcessorApp.class.getName(), config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(process);
        return process;
    }

    private static Path writeConfig(Map<String, Object> config, Path file) throws IOException {
        Properties props = new Properties();
        config.forEach((key, value) -> props.setProperty(key, value.toString()));
        try (Writer out = Files.newBufferedWriter(file)) {
            props.store(out, "ProcessorCrashIT");
        }
        return file;
    }

    @Test
    void shouldAnswerEveryJobOnceAfterAKillNineWithCallsInFlight(StackEndpoints stack) throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Uniform(500, 1500)));
        ProcessorHarness harness = new ProcessorHarness(stack);
        Path work = Files.createDirectories(Path.of("target", "crash-it-" + harness.run));
        int jobs = 300;

        Process first = startProcessor(writeConfig(harness.config(stub.baseUrl(), Map.of()), work.resolve("first.properties")),
                work.resolve("first.log"));
        try (JobPublisher publisher = harness.publisher()) {
            for (int i = 0; i < jobs; i++) {
                publisher.publish(harness.job("job-" + i));
            }
            publisher.flush();
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> stub.requestCount() >= 100 && stub.openRequests() >= 20);

        int openAtKill = stub.openRequests();
        first.destroyForcibly();
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        long requestsBeforeKill = stub.requestCount();
        int committedBeforeKill = harness.committedResults().size();

        // A new instance, on a new state folder, restores the task state from the changelogs
        startProcessor(writeConfig(harness.config(stub.baseUrl(), Map.of()), work.resolve("second.properties")),
                work.resolve("second.log"));
        await().atMost(Duration.ofSeconds(180)).until(() -> harness.committedResults().size() >= jobs);

        List<JobResult> results = harness.committedResults();
        assertThat(results).hasSize(jobs);
        assertThat(results).extracting(JobResult::getJobId).doesNotHaveDuplicates();
        assertThat(stub.callsByIdempotencyKey()).hasSize(jobs);
        long repeatedCalls = stub.callsByIdempotencyKey().values().stream().mapToLong(calls -> calls - 1).sum();
        System.out.printf("kill -9 with %d calls open: %d requests, %d results committed before the kill; %d calls repeated%n",
                openAtKill, requestsBeforeKill, committedBeforeKill, repeatedCalls);
        assertThat(repeatedCalls)
                .as("calls made again: at most those started but not committed as finished at the kill")
                .isPositive()
                .isLessThanOrEqualTo(requestsBeforeKill - committedBeforeKill);
    }

    @Test
    void shouldLoseNoParkedRetryWhenKilledWhileJobsWaitInTheTimerStore(StackEndpoints stack) throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults());
        ProcessorHarness harness = new ProcessorHarness(stack);
        Path work = Files.createDirectories(Path.of("target", "crash-retry-it-" + harness.run));
        int jobs = 50;
        // long enough that every job is parked when the kill comes, and still is when the new instance starts
        Map<String, Object> slowRetries = Map.of("retry.transient.backoff.initial.ms", "8000", "retry.transient.backoff.max.ms", "8000");

        stub.failAllFor(Fault.SERVER_ERROR, Duration.ofMinutes(10));
        Process first = startProcessor(writeConfig(harness.config(stub.baseUrl(), slowRetries), work.resolve("first.properties")),
                work.resolve("first.log"));
        try (JobPublisher publisher = harness.publisher()) {
            for (int i = 0; i < jobs; i++) {
                publisher.publish(harness.job("job-" + i));
            }
            publisher.flush();
        }
        await().atMost(Duration.ofSeconds(90)).until(() ->
                harness.committed(harness.topics.retry("transient")).size() >= jobs);
        first.destroyForcibly();
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        stub.recover();
        assertThat(harness.committedResults()).isEmpty();

        startProcessor(writeConfig(harness.config(stub.baseUrl(), slowRetries), work.resolve("second.properties")),
                work.resolve("second.log"));
        await().atMost(Duration.ofSeconds(120)).until(() -> harness.committedResults().size() >= jobs);

        List<JobResult> results = harness.committedResults();
        assertThat(results).hasSize(jobs).extracting(JobResult::getJobId).doesNotHaveDuplicates();
        assertThat(results).allSatisfy(result -> assertThat(result.getAttempts()).isEqualTo(2));
        assertThat(harness.committed(harness.topics.deadLetter(harness.tenant))).isEmpty();
        // attempt 2 of each job ran once, after the restart: the parked retries came back from the changelog
        for (int i = 0; i < jobs; i++) {
            assertThat(stub.callsByIdempotencyKey()).containsEntry("job-" + i + "-2", 1);
        }
    }

    private static Map<String, Object> batches(long maxWaitMs) {
        // a 5 s model timeout: a batch taken up as closed is submitted 20 s (three timeouts and 5 s) after the restart
        return Map.of(ProcessorConfig.BATCH_ENDPOINTS_CONFIG, "default", ProcessorConfig.BATCH_MAX_WAIT_MS_CONFIG, String.valueOf(maxWaitMs),
                ProcessorConfig.BATCH_POLL_INTERVAL_MS_CONFIG, "500", ProcessorConfig.MODEL_TIMEOUT_MS_CONFIG, "5000");
    }

    /** Starts a processor whose batches wait {@code maxWaitMs} for jobs, and publishes {@code jobs} jobs of priority BATCH. */
    private Process startWithBatchJobs(ProcessorHarness harness, Path work, long maxWaitMs, int jobs) throws Exception {
        Process first = startProcessor(writeConfig(harness.config(stub.baseUrl(), batches(maxWaitMs)), work.resolve("first.properties")),
                work.resolve("first.log"));
        try (JobPublisher publisher = harness.publisher()) {
            for (int i = 0; i < jobs; i++) {
                io.aijobs.schema.JobRequest job = harness.job("job-" + i);
                job.setPriority(io.aijobs.schema.JobPriority.BATCH);
                publisher.publish(job);
            }
            publisher.flush();
        }
        return first;
    }

    @Test
    void shouldNeitherSubmitAgainNorLoseTheJobsOfABatchOpenAtTheProviderWhenKilled(StackEndpoints stack) throws Exception {
        // each batch stays in progress for 20 s: the kill comes while every one of them is open at the provider
        stub = ModelStub.start(ModelStubConfig.defaults().withBatches(
                new io.aijobs.devstack.modelstub.BatchBehaviour(Duration.ofSeconds(20), false, 0, 0, false)));
        ProcessorHarness harness = new ProcessorHarness(stack);
        Path work = Files.createDirectories(Path.of("target", "crash-batch-it-" + harness.run));
        int jobs = 60;

        Process first = startWithBatchJobs(harness, work, 1_000, jobs);
        await().atMost(Duration.ofSeconds(90)).until(() -> stub.batchRequestsByCustomId().size() >= jobs);
        int batchesAtKill = stub.batchesCreated();
        first.destroyForcibly();
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(harness.committedResults()).as("no batch has ended at the kill").isEmpty();

        startProcessor(writeConfig(harness.config(stub.baseUrl(), batches(1_000)), work.resolve("second.properties")),
                work.resolve("second.log"));
        await().atMost(Duration.ofSeconds(180)).until(() -> harness.committedResults().size() >= jobs);

        List<JobResult> results = harness.committedResults();
        assertThat(results).hasSize(jobs).extracting(JobResult::getJobId).doesNotHaveDuplicates();
        assertThat(results).allSatisfy(result -> assertThat(result.getAttempts()).isEqualTo(1));
        assertThat(stub.batchesCreated()).as("batches created: none after the restart").isEqualTo(batchesAtKill);
        assertThat(stub.batchRequestsByCustomId()).hasSize(jobs).allSatisfy((customId, times) -> assertThat(times).isEqualTo(1));
        assertThat(stub.callsByIdempotencyKey()).as("no job called on its own").isEmpty();
    }

    @Test
    void shouldSubmitEachJobOnceWhenKilledWhileItsBatchStillTakesJobs(StackEndpoints stack) throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults().withBatches(
                new io.aijobs.devstack.modelstub.BatchBehaviour(Duration.ofSeconds(1), false, 0, 0, false)));
        ProcessorHarness harness = new ProcessorHarness(stack);
        Path work = Files.createDirectories(Path.of("target", "crash-open-batch-it-" + harness.run));
        int jobs = 60;

        // batches wait 60 s for more jobs: the kill comes while they are OPEN in the store, none submitted
        Process first = startWithBatchJobs(harness, work, 60_000, jobs);
        await().atMost(Duration.ofSeconds(90)).until(() -> harness.committed(harness.topics.jobEvents()).stream()
                .filter(event -> "batched".equals(event.value().getDetail())).count() >= jobs);
        first.destroyForcibly();
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(stub.batchesCreated()).isZero();

        // the new instance takes up the open batches, which it submits once they have waited 2 s from their opening
        startProcessor(writeConfig(harness.config(stub.baseUrl(), batches(2_000)), work.resolve("second.properties")),
                work.resolve("second.log"));
        await().atMost(Duration.ofSeconds(180)).until(() -> harness.committedResults().size() >= jobs);

        List<JobResult> results = harness.committedResults();
        assertThat(results).hasSize(jobs).extracting(JobResult::getJobId).doesNotHaveDuplicates();
        assertThat(stub.batchRequestsByCustomId()).hasSize(jobs).allSatisfy((customId, times) -> assertThat(times).isEqualTo(1));
        assertThat(stub.callsByIdempotencyKey()).as("no job called on its own").isEmpty();
        assertThat(harness.committed(harness.topics.jobEvents()).stream().filter(event -> "batched".equals(event.value().getDetail())))
                .as("no job batched twice: the restart read no job again as new").hasSize(jobs);
    }
}
