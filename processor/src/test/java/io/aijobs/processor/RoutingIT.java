package io.aijobs.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.junit.DevStackExtension;
import io.aijobs.devstack.modelstub.Fault;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.producer.JobPublisher;
import io.aijobs.schema.CallOutcome;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.ModelCallUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The routing table on a real broker and registry, with two model stubs as two providers. */
@ExtendWith(DevStackExtension.class)
class RoutingIT {

    private final ModelStub primary = ModelStub.start(ModelStubConfig.defaults());
    private final ModelStub secondary = ModelStub.start(ModelStubConfig.defaults().withApiKey("secondary-key"));

    @AfterEach
    void stopStubs() {
        primary.close();
        secondary.close();
    }

    @TempDir
    Path dir;

    /** Model stub-* routed to primary, then secondary, whose key comes from a file (the stub refuses any other). */
    private Map<String, Object> routing() throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put("model.endpoints", "primary,secondary");
        props.put("model.endpoint.primary.base.url", primary.baseUrl());
        props.put("model.endpoint.secondary.base.url", secondary.baseUrl());
        props.put("model.endpoint.secondary.api.key.file", Files.writeString(dir.resolve("key"), "secondary-key\n").toString());
        props.put("model.routes", "stub");
        props.put("model.route.stub.models", "stub-*");
        props.put("model.route.stub.endpoints", "primary,secondary");
        return props;
    }

    @Test
    void shouldFallBackToTheSecondEndpointWhileTheFirstFailsAndDeadLetterAnUnroutedModelWithoutACall(StackEndpoints stack)
            throws Exception {
        ProcessorHarness harness = new ProcessorHarness(stack);
        Map<String, Object> config = harness.config("unused", routing());
        config.remove("model.base.url");
        int jobs = 20;
        primary.failAllFor(Fault.UNAVAILABLE, Duration.ofMinutes(5));

        try (ProcessorApp app = ProcessorApp.start(config); JobPublisher publisher = harness.publisher()) {
            for (int i = 0; i < jobs; i++) {
                publisher.publish(harness.job("job-" + i));
            }
            JobRequest unrouted = harness.job("unrouted");
            unrouted.setModel("llama3");
            publisher.publish(unrouted);
            publisher.flush();
            await().atMost(Duration.ofSeconds(90)).until(() -> harness.committedResults().size() >= jobs
                    && !harness.committed(harness.topics.deadLetter(harness.tenant)).isEmpty());

            List<JobResult> results = harness.committedResults();
            assertThat(results).hasSize(jobs).extracting(JobResult::getJobId).doesNotHaveDuplicates();
            assertThat(results).allSatisfy(result -> assertThat(result.getAttempts()).isEqualTo(2));
            List<ModelCallUsage> usage = harness.committed(harness.topics.usage()).stream().map(ConsumerRecord::value).toList();
            assertThat(usage).filteredOn(call -> call.getEndpoint().equals("primary")).hasSize(jobs)
                    .allSatisfy(call -> assertThat(call.getOutcome()).isEqualTo(CallOutcome.SERVER_ERROR));
            assertThat(usage).filteredOn(call -> call.getEndpoint().equals("secondary")).hasSize(jobs)
                    .allSatisfy(call -> assertThat(call.getProducedResult()).isTrue());
            List<JobFailure> dead = harness.committed(harness.topics.deadLetter(harness.tenant)).stream().map(ConsumerRecord::value).toList();
            assertThat(dead).singleElement().satisfies(failure -> {
                assertThat(failure.getJobId()).isEqualTo("unrouted");
                assertThat(failure.getCategory()).isEqualTo(FailureCategory.INVALID);
                assertThat(failure.getErrorType()).isEqualTo("no_route");
            });
            assertThat(primary.requestCount()).isEqualTo(jobs);
            assertThat(secondary.requestCount()).isEqualTo(jobs);
        }
    }
}
