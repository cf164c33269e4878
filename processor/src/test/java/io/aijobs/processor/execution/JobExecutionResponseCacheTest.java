package io.aijobs.processor.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.contracts.TenantId;
import io.aijobs.testing.DriverTopics;
import io.aijobs.schema.CallOutcome;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.state.ExecutionStatus;
import io.aijobs.schema.JobEventType;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.ModelCallUsage;
import io.aijobs.schema.ResponseCacheEntry;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The tenants' response caches on TopologyTestDriver: what a hit writes, what it never does, and when there is none. */
class JobExecutionResponseCacheTest extends ExecutionTopologyFixture {

    private static final TenantId GLOBEX = TenantId.of("globex");
    private TestOutputTopic<String, ResponseCacheEntry> cacheEntries;

    @BeforeEach
    void cacheTopics() {
        cacheEntries = DriverTopics.output(driver, topics.responseCache());
        policies().pipeInput("acme", acmePolicy().setResponseCacheTtlMs(Duration.ofHours(1).toMillis()).build());
    }

    private static JobRequest question(String jobId, String tenant, Double temperature) {
        return JobRequest.newBuilder().setJobId(jobId).setTenantId(tenant).setModel("m")
                .setMessages(List.of(new ChatMessage("system", "Classify the ticket."), new ChatMessage("user", "My invoice is wrong")))
                .setParameters(JobParameters.newBuilder().setTemperature(temperature).setMaxOutputTokens(50).build())
                .setSubmittedAt(T0).build();
    }

    /** j-1 asks and is answered by a call: 1,000 input and 500 output tokens at 1.00 and 2.00 per million. */
    private void answerFirst() {
        submit(question("j-1", "acme", 0.0));
        model.last().succeed(1000, 500);
        tick();
        acmeResults.readValuesToList();
        usage.readValuesToList();
        events.readValuesToList();
    }

    @Test
    void shouldKeepTheAnswerOfACallUnderTheTenantAndTheRequestsHash() {
        answerFirst();

        var entry = cacheEntries.readRecord();
        assertThat(entry.key()).startsWith("acme/").hasSize("acme/".length() + 64);
        assertThat(entry.value().getOutput()).isEqualTo("answer to j-1");
        assertThat(entry.value().getSourceJobId()).isEqualTo("j-1");
        assertThat(entry.value().getInputTokens()).isEqualTo(1000);
        assertThat(entry.value().getOutputTokens()).isEqualTo(500);
        assertThat(cacheEntries.isEmpty()).isTrue();
    }

    @Test
    void shouldAnswerAnIdenticalJobFromTheCacheWithNoCallCostZeroAndTheSavingAtTodaysPrice() {
        answerFirst();

        submit(question("j-2", "acme", 0.0));

        assertThat(model.calls()).as("one call, for j-1").hasSize(1);
        JobResult result = acmeResults.readValue();
        assertThat(result.getJobId()).isEqualTo("j-2");
        assertThat(result.getOutput()).isEqualTo("answer to j-1");
        assertThat(result.getCached()).isTrue();
        assertThat(result.getCachedFrom()).isEqualTo("j-1");
        assertThat(result.getAttempts()).isZero();
        assertThat(result.getCost().getAmountNanos()).isZero();
        assertThat(result.getCost().getPriced()).isTrue();
        // 1,000 at 1.00 + 500 at 2.00 per million
        assertThat(result.getSavedCost().getAmountNanos()).isEqualTo(2_000_000L);
        ModelCallUsage hit = usage.readValue();
        assertThat(hit.getOutcome()).isEqualTo(CallOutcome.CACHE_HIT);
        assertThat(hit.getAttempt()).isZero();
        assertThat(hit.getCost().getAmountNanos()).isZero();
        assertThat(hit.getInputTokens() + hit.getOutputTokens()).isZero();
        assertThat(hit.getResponseCacheSavedNanos()).isEqualTo(2_000_000L);
        assertThat(hit.getProducedResult()).isTrue();
        assertThat(eventTypes()).containsExactly(JobEventType.COMPLETED);
        assertThat(state("j-2").getStatus()).isEqualTo(ExecutionStatus.COMPLETED);
        assertThat(cacheEntries.readValuesToList()).as("j-1's entry only; a hit writes none").hasSize(1);
    }

    @Test
    void shouldNeverAnswerAnotherTenantsJobFromTheCacheThoughItAsksTheSame() {
        policies().pipeInput("globex", acmePolicy().setTenantId("globex").setResponseCacheTtlMs(Duration.ofHours(1).toMillis()).build());
        TestInputTopic<String, byte[]> globexJobs = DriverTopics.rawInput(driver, topics.jobs(GLOBEX));
        TestOutputTopic<String, JobResult> globexResults = DriverTopics.output(driver, topics.results(GLOBEX));
        answerFirst();

        globexJobs.pipeInput("g-1", topics.jobs(GLOBEX).serializeValue(question("g-1", "globex", 0.0)));

        assertThat(model.calls()).as("globex's job calls the model").hasSize(2);
        model.last().succeed(1000, 500);
        tick();
        assertThat(globexResults.readValue().getCached()).isFalse();
        assertThat(cacheEntries.readKeyValuesToList()).extracting(entry -> entry.key.substring(0, entry.key.indexOf('/')))
                .containsExactly("acme", "globex");
    }

    @Test
    void shouldCallAgainOnceTheAnswerIsOlderThanTheTtl() {
        answerFirst();
        driver.advanceWallClockTime(Duration.ofHours(1));

        submit(question("j-2", "acme", 0.0));

        assertThat(model.calls()).hasSize(2);
        assertThat(acmeResults.isEmpty()).isTrue();
    }

    @Test
    void shouldNeitherKeepNorServeJobsWithATemperatureOtherThanZeroUnlessThePolicySaysAny() {
        submit(question("warm-1", "acme", 0.7));
        model.last().succeed(10, 5);
        tick();
        submit(question("unset-1", "acme", null));
        model.last().succeed(10, 5);
        tick();

        assertThat(cacheEntries.isEmpty()).as("temperature 0.7, and none (the service's default)").isTrue();

        policies().pipeInput("acme", acmePolicy().setResponseCacheTtlMs(Duration.ofHours(1).toMillis())
                .setResponseCacheAnyTemperature(true).build());
        submit(question("warm-2", "acme", 0.7));
        model.last().succeed(10, 5);
        tick();
        submit(question("warm-3", "acme", 0.7));

        assertThat(model.calls()).hasSize(3);
        // back to temperature 0 only: warm-2's answer is kept, but no warm job is served from it
        policies().pipeInput("acme", acmePolicy().setResponseCacheTtlMs(Duration.ofHours(1).toMillis()).build());
        submit(question("warm-4", "acme", 0.7));
        assertThat(model.calls()).hasSize(4);
        model.last().succeed(10, 5);
        tick();
        assertThat(acmeResults.readValuesToList()).extracting(JobResult::getJobId, JobResult::getCached).containsExactly(
                org.assertj.core.groups.Tuple.tuple("warm-1", false), org.assertj.core.groups.Tuple.tuple("unset-1", false),
                org.assertj.core.groups.Tuple.tuple("warm-2", false), org.assertj.core.groups.Tuple.tuple("warm-3", true),
                org.assertj.core.groups.Tuple.tuple("warm-4", false));
    }

    @Test
    void shouldKeepNothingForATenantWithoutACacheInItsPolicy() {
        policies().pipeInput("acme", acmePolicy().build());

        submit(question("j-1", "acme", 0.0));
        model.last().succeed(10, 5);
        tick();
        submit(question("j-2", "acme", 0.0));

        assertThat(cacheEntries.isEmpty()).isTrue();
        assertThat(model.calls()).hasSize(2);
    }

    @Test
    void shouldAnswerAJobThatWaitedForASlotFromTheCacheWhenAnIdenticalJobWasAnsweredMeanwhile() {
        // one slot: j-1 calls, j-2 (the same question) waits behind it
        driver.close();
        limiter = new InFlightLimiter(1);
        startDriver();
        cacheEntries = DriverTopics.output(driver, topics.responseCache());
        policies().pipeInput("acme", acmePolicy().setResponseCacheTtlMs(Duration.ofHours(1).toMillis()).build());
        submit(question("j-1", "acme", 0.0));
        submit(question("j-2", "acme", 0.0));
        assertThat(state("j-2").getStatus()).isEqualTo(ExecutionStatus.QUEUED);

        model.last().succeed(1000, 500);
        tick();

        assertThat(model.calls()).as("j-2 made no call").hasSize(1);
        assertThat(acmeResults.readValuesToList()).extracting(JobResult::getJobId, JobResult::getCached).containsExactly(
                org.assertj.core.groups.Tuple.tuple("j-1", false), org.assertj.core.groups.Tuple.tuple("j-2", true));
        assertThat(limiter.inFlight()).as("the slot j-2 took to start is given back").isZero();
        assertThat(fairShare.waitingJobs("acme")).as("and j-2 no longer waits in the fair share").isZero();
    }

    @Test
    void shouldLeaveAJobsOwnDuplicateDetectionAsItIs() {
        answerFirst();

        submit(question("j-1", "acme", 0.0));

        assertThat(acmeResults.isEmpty()).as("a duplicate of j-1 writes no result, cached or not").isTrue();
        assertThat(eventTypes()).containsExactly(JobEventType.DUPLICATE);
    }
}
