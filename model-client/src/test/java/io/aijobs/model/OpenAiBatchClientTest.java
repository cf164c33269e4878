package io.aijobs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aijobs.devstack.modelstub.BatchBehaviour;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The batch client against the stub's batch interface, over real HTTP on 127.0.0.1. */
class OpenAiBatchClientTest {

    private ModelStub stub;

    @AfterEach
    void stop() {
        if (stub != null) {
            stub.close();
        }
    }

    private OpenAiBatchClient client(BatchBehaviour behaviour) {
        stub = ModelStub.start(ModelStubConfig.defaults().withBatches(behaviour));
        return new OpenAiBatchClient(stub.baseUrl(), Optional.empty(), Duration.ofSeconds(10));
    }

    private static List<OpenAiBatchClient.Request> requests(int count) {
        return IntStream.rangeClosed(1, count).mapToObj(i -> new OpenAiBatchClient.Request("acme/j-" + i + "-1",
                JobRequest.newBuilder().setJobId("j-" + i).setTenantId("acme").setModel("stub-model")
                        .setMessages(List.of(new ChatMessage("user", "Summarise ticket " + i)))
                        .setParameters(JobParameters.newBuilder().setMaxOutputTokens(32).build()).setSubmittedAt(Instant.EPOCH).build()))
                .toList();
    }

    private static BatchBehaviour endsAtOnce() {
        return new BatchBehaviour(Duration.ZERO, false, 0, 0, false);
    }

    @Test
    void shouldUploadCreateAndReadBackOneAnswerPerRequestByCustomId() throws Exception {
        OpenAiBatchClient client = client(endsAtOnce());

        OpenAiBatchClient.Batch created = client.create(client.upload(requests(4)), Map.of("aijobs_batch", "task-0_0/1"));
        OpenAiBatchClient.Batch batch = client.get(created.id());
        List<OpenAiBatchClient.Result> results = client.results(batch);

        assertThat(batch.status()).isEqualTo(OpenAiBatchClient.Status.COMPLETED);
        assertThat(batch.metadata()).containsEntry("aijobs_batch", "task-0_0/1");
        assertThat(results).extracting(OpenAiBatchClient.Result::customId).containsExactly("acme/j-1-1", "acme/j-2-1", "acme/j-3-1", "acme/j-4-1");
        assertThat(results).allSatisfy(result -> assertThat(result.outcome()).isInstanceOfSatisfying(ModelOutcome.Success.class, success -> {
            assertThat(success.inputTokens()).isPositive();
            assertThat(success.outputTokens()).isPositive();
        }));
        assertThat(stub.batchesCreated()).isEqualTo(1);
        assertThat(stub.requestCount()).as("no chat-completion request: the batch is answered by the service").isZero();
    }

    @Test
    void shouldShowABatchInProgressUntilItsDelayHasPassed() throws Exception {
        OpenAiBatchClient client = client(new BatchBehaviour(Duration.ofHours(1), false, 0, 0, false));

        OpenAiBatchClient.Batch batch = client.get(client.create(client.upload(requests(2)), Map.of()).id());

        assertThat(batch.status()).isEqualTo(OpenAiBatchClient.Status.IN_PROGRESS);
        assertThat(batch.status().ended()).isFalse();
        assertThat(batch.outputFileId()).isEmpty();
    }

    @Test
    void shouldFindABatchAgainByItsMetadataAndNoOtherOne() throws Exception {
        OpenAiBatchClient client = client(endsAtOnce());
        OpenAiBatchClient.Batch first = client.create(client.upload(requests(1)), Map.of("aijobs_batch", "a"));
        client.create(client.upload(requests(1)), Map.of("aijobs_batch", "b"));

        assertThat(client.findByMetadata("aijobs_batch", "a")).map(OpenAiBatchClient.Batch::id).hasValue(first.id());
        assertThat(client.findByMetadata("aijobs_batch", "c")).isEmpty();
    }

    @Test
    void shouldReadFailedRequestsFromTheErrorFileAsTheirOutcome() throws Exception {
        OpenAiBatchClient client = client(new BatchBehaviour(Duration.ZERO, false, 2, 0, false));

        List<OpenAiBatchClient.Result> results = client.results(client.get(client.create(client.upload(requests(4)), Map.of()).id()));

        assertThat(results).filteredOn(result -> result.outcome() instanceof ModelOutcome.ServerError)
                .extracting(OpenAiBatchClient.Result::customId).containsExactly("acme/j-2-1", "acme/j-4-1");
        assertThat(results).filteredOn(result -> result.outcome() instanceof ModelOutcome.Success)
                .extracting(OpenAiBatchClient.Result::customId).containsExactly("acme/j-1-1", "acme/j-3-1");
    }

    @Test
    void shouldReportAnExpiredBatchWithTheAnswersItGotAndTheRequestsItDidNotRun() throws Exception {
        OpenAiBatchClient client = client(new BatchBehaviour(Duration.ZERO, true, 0, 0, false));

        OpenAiBatchClient.Batch batch = client.get(client.create(client.upload(requests(4)), Map.of()).id());

        assertThat(batch.status()).isEqualTo(OpenAiBatchClient.Status.EXPIRED);
        assertThat(batch.status().ended()).isTrue();
        List<OpenAiBatchClient.Result> results = client.results(batch);
        assertThat(results).filteredOn(OpenAiBatchClient.Result::ran).extracting(OpenAiBatchClient.Result::customId)
                .containsExactly("acme/j-1-1", "acme/j-2-1");
        assertThat(results).filteredOn(result -> !result.ran()).extracting(OpenAiBatchClient.Result::customId)
                .containsExactly("acme/j-3-1", "acme/j-4-1");
        assertThat(results).filteredOn(result -> !result.ran()).allSatisfy(result -> assertThat(((ModelOutcome.InvalidRequest) result.outcome())
                .code()).contains("batch_expired"));
    }

    @Test
    void shouldReturnWhatTheFilesHoldLeavingMissingAndUnknownCustomIdsToTheCaller() throws Exception {
        OpenAiBatchClient client = client(new BatchBehaviour(Duration.ZERO, false, 0, 3, true));

        OpenAiBatchClient.Batch batch = client.get(client.create(client.upload(requests(3)), Map.of()).id());

        assertThat(batch.status()).isEqualTo(OpenAiBatchClient.Status.COMPLETED);
        assertThat(client.results(batch)).extracting(OpenAiBatchClient.Result::customId)
                .containsExactly("acme/j-1-1", "acme/j-2-1", "not-in-this-batch");
    }

    @Test
    void shouldFailWithTheServicesMessageWhenABatchCannotBeCreated() {
        OpenAiBatchClient client = client(endsAtOnce());

        assertThatThrownBy(() -> client.create("file-that-was-never-uploaded", Map.of())).isInstanceOf(IOException.class)
                .hasMessageStartingWith("Could not create a batch: HTTP 400 (A batch needs an uploaded input_file_id");
    }
}
