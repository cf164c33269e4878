package io.aijobs.processor.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aijobs.devstack.modelstub.BatchBehaviour;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.model.HttpTarget;
import io.aijobs.model.OpenAiBatchClient;
import io.aijobs.model.routing.Endpoint;
import io.aijobs.processor.JobTopology;
import io.aijobs.processor.routing.RoutingConfig;
import io.aijobs.schema.JobPriority;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.ModelCallUsage;
import io.aijobs.schema.state.BatchState;
import io.aijobs.schema.state.ExecutionStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The batch lane on TopologyTestDriver, against the model stub's batch interface over 127.0.0.1: which jobs join a
 * batch, and a batch the provider already has (created before a crash that lost its record) taken up instead of
 * created again.
 */
class JobExecutionBatchTest extends ExecutionTopologyFixture {

    private ModelStub stub;
    private OpenAiBatchClient provider;

    @BeforeEach
    void batchEndpoint() throws Exception {
        stub = ModelStub.start(ModelStubConfig.defaults().withBatches(new BatchBehaviour(Duration.ZERO, false, 0, 0, false)));
        provider = new OpenAiBatchClient(stub.baseUrl(), Optional.empty(), Duration.ofSeconds(5));
        batchSettings = new BatchRouting.Settings(List.of(new RoutingConfig.EndpointSettings("default",
                HttpTarget.openAi(stub.baseUrl(), Optional.empty()), Duration.ofSeconds(5), Endpoint.Limits.fixed(10))),
                2, 1L << 20, Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofMillis(100));
        driver.close();
        startDriver();
    }

    @AfterEach
    void stopStub() {
        stub.close();
    }

    private static JobRequest batchJob(String jobId) {
        JobRequest job = job(jobId, "acme");
        job.setPriority(JobPriority.BATCH);
        return job;
    }

    /** Advances the driver's clock until {@code jobs} results are out, collecting them; bounded by 20 s of real time. */
    private List<JobResult> resultsOf(int jobs) {
        List<JobResult> results = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            driver.advanceWallClockTime(Duration.ofMillis(200));
            results.addAll(acmeResults.readValuesToList());
            return results.size() >= jobs;
        });
        return results;
    }

    /** What a processor that crashed after creating the batch, before recording it, left at the provider. */
    private String createdBeforeACrash(String batchKey, String... jobIds) throws Exception {
        List<OpenAiBatchClient.Request> requests = new ArrayList<>();
        for (String jobId : jobIds) {
            requests.add(new OpenAiBatchClient.Request(BatchLane.customId("acme/" + jobId, 1), batchJob(jobId)));
        }
        return provider.create(provider.upload(requests), Map.of(BatchRouting.METADATA_KEY, batchKey)).id();
    }

    @Test
    void shouldPutBatchPriorityJobsInABatchAndCallInteractiveJobsOnTheirOwn() {
        submit(batchJob("b-1"));
        submit(job("i-1", "acme"));

        assertThat(state("b-1").getStatus()).isEqualTo(ExecutionStatus.BATCHED);
        assertThat(state("b-1").getBatchKey()).isEqualTo("acme/m/0@0/" + T0.toEpochMilli());
        assertThat(state("b-1").getAttempt()).as("the batch's attempt, fixed when the job joins").isEqualTo(1);
        assertThat(model.calls()).as("calls on their own").hasSize(1);
        KeyValueStore<String, BatchState> batches = driver.getKeyValueStore(JobTopology.BATCH_STORE);
        assertThat(batches.get("acme/m/0@0/" + T0.toEpochMilli()).getMembers()).containsExactly("acme/b-1");
    }

    @Test
    void shouldTakeUpABatchTheProviderAlreadyHasInsteadOfCreatingItAgain() throws Exception {
        String found = createdBeforeACrash("acme/m/0@0/" + T0.toEpochMilli(), "b-1", "b-2");

        submit(batchJob("b-1"));
        submit(batchJob("b-2"));
        List<JobResult> results = resultsOf(2);

        assertThat(results).extracting(JobResult::getJobId).containsExactlyInAnyOrder("b-1", "b-2");
        assertThat(stub.batchesCreated()).as("the batch made before the crash, and no other").isEqualTo(1);
        assertThat(usage.readValuesToList()).extracting(ModelCallUsage::getBatchId).containsOnly(found);
        assertThat(model.calls()).isEmpty();
    }

    @Test
    void shouldAnswerFromABatchFoundAgainAJobOfALaterBatchThatTheProviderHasInIt() throws Exception {
        // the provider's batch holds b-3, which the store has in a later batch, not yet submitted (batches hold 2 here):
        // b-3 moves into the batch found again rather than be asked twice
        String found = createdBeforeACrash("acme/m/0@0/" + T0.toEpochMilli(), "b-1", "b-2", "b-3");

        submit(batchJob("b-1"));
        submit(batchJob("b-2"));
        submit(batchJob("b-3"));
        assertThat(state("b-3").getBatchKey()).isEqualTo("acme/m/0@2/" + T0.toEpochMilli());
        List<JobResult> results = resultsOf(3);

        assertThat(results).extracting(JobResult::getJobId).containsExactlyInAnyOrder("b-1", "b-2", "b-3");
        assertThat(stub.batchesCreated()).as("b-3 was answered by the batch found again, not sent in another").isEqualTo(1);
        assertThat(stub.batchRequestsByCustomId()).hasSize(3).allSatisfy((customId, times) -> assertThat(times).isEqualTo(1));
        assertThat(usage.readValuesToList()).extracting(ModelCallUsage::getBatchId).containsOnly(found);
        // the second batch, left with no job of its own, is gone once its turn came
        KeyValueStore<String, BatchState> batches = driver.getKeyValueStore(JobTopology.BATCH_STORE);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            driver.advanceWallClockTime(Duration.ofMillis(200));
            try (var all = batches.all()) {
                return !all.hasNext();
            }
        });
    }

    @Test
    void shouldCallOnItsOwnABatchedJobWhoseDeadlineNoLongerLeavesTheCompletionWindowWhenItsBatchIsSubmitted() {
        // eligible on arrival (the deadline leaves the 1 s wait and 24 h), no longer once the batch has waited 5 s
        JobRequest job = batchJob("b-1");
        job.setDeadline(T0.plus(Duration.ofHours(24)).plusSeconds(2));
        submit(job);
        assertThat(state("b-1").getStatus()).isEqualTo(ExecutionStatus.BATCHED);

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            driver.advanceWallClockTime(Duration.ofSeconds(1));
            return state("b-1").getStatus() != ExecutionStatus.BATCHED;
        });

        assertThat(state("b-1").getStatus()).isIn(ExecutionStatus.RETRY_WAIT, ExecutionStatus.QUEUED, ExecutionStatus.IN_FLIGHT);
        assertThat(transientRetries.readValuesToList()).extracting(io.aijobs.schema.JobRetry::getErrorType)
                .containsExactly("batch_window_past_deadline");
        assertThat(stub.batchesCreated()).isZero();
    }

    @Test
    void shouldCallOnTheirOwnTheJobsOfABatchTheProviderNoLongerKnows() throws Exception {
        // a provider whose batches take an hour, restarted (and so forgetting them) while one of ours is open there
        stub.close();
        stub = ModelStub.start(ModelStubConfig.defaults().withBatches(new BatchBehaviour(Duration.ofHours(1), false, 0, 0, false)));
        batchSettings = new BatchRouting.Settings(List.of(new RoutingConfig.EndpointSettings("default",
                HttpTarget.openAi(stub.baseUrl(), Optional.empty()), Duration.ofSeconds(5), Endpoint.Limits.fixed(10))),
                2, 1L << 20, Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofMillis(100));
        driver.close();
        startDriver();
        submit(batchJob("b-1"));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            driver.advanceWallClockTime(Duration.ofMillis(200));
            return stub.batchesCreated() == 1 && events.readValuesToList().stream().anyMatch(event ->
                    event.getType() == io.aijobs.schema.JobEventType.STARTED);
        });
        int port = java.net.URI.create(stub.baseUrl()).getPort();
        stub.close();
        stub = ModelStub.start(ModelStubConfig.defaults().withPort(port));

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            driver.advanceWallClockTime(Duration.ofMillis(200));
            return state("b-1").getStatus() != ExecutionStatus.BATCHED;
        });

        assertThat(transientRetries.readValuesToList()).extracting(io.aijobs.schema.JobRetry::getErrorType).containsExactly("batch_lost");
        KeyValueStore<String, BatchState> batches = driver.getKeyValueStore(JobTopology.BATCH_STORE);
        try (var all = batches.all()) {
            assertThat(all.hasNext()).as("the lost batch is forgotten").isFalse();
        }
    }

    @Test
    void shouldKeepAJobOutOfBatchesWhenItsDeadlineFallsWithinTheCompletionWindow() {
        JobRequest job = batchJob("b-1");
        job.setDeadline(T0.plus(Duration.ofHours(23)));
        submit(job);

        assertThat(state("b-1").getStatus()).isEqualTo(ExecutionStatus.IN_FLIGHT);
        assertThat(model.calls()).hasSize(1);
    }

    @Test
    void shouldPutEveryJobOfATenantWhosePolicySaysBatchInABatch() {
        policies().pipeInput("acme", acmePolicy().setBatchJobs(true).build());
        submit(job("i-1", "acme"));

        assertThat(state("i-1").getStatus()).isEqualTo(ExecutionStatus.BATCHED);
        assertThat(model.calls()).isEmpty();
    }
}
