package io.aijobs.processor.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.model.ModelOutcome;
import io.aijobs.schema.CallOutcome;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.JobRetry;
import io.aijobs.schema.ModelCallUsage;
import io.aijobs.schema.state.ExecutionStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Routing on TopologyTestDriver: model {@code m} goes to endpoint {@code primary}, then {@code secondary}
 * ({@link #twoEndpointRouter()}); fallback, the endpoint on usage records, and a model no route serves.
 */
class JobExecutionRoutingTest extends ExecutionTopologyFixture {

    private void withTwoEndpoints() {
        driver.close();
        router.close();
        router = twoEndpointRouter();
        startDriver();
    }

    @Test
    void shouldFallBackToTheNextEndpointAtOnceAfterARateLimitAndRecordEachCallAgainstItsEndpoint() {
        withTwoEndpoints();
        submit(job("j-1", "acme"));
        model.last().fail(new ModelOutcome.RateLimited(Optional.of(Duration.ofSeconds(30)), Duration.ofMillis(2)));
        tick();

        JobRetry retry = rateLimitedRetries.readValue();
        assertThat(retry.getDelayMs()).isZero();
        assertThat(state("j-1").getRoutePosition()).isEqualTo(1);
        // the retry poll (100 ms here) releases it, to the second endpoint, well before the primary's Retry-After
        driver.advanceWallClockTime(Duration.ofMillis(120));
        assertThat(model.calls()).hasSize(1);
        assertThat(secondModel.calls()).hasSize(1);
        assertThat(secondModel.last().idempotencyKey()).isEqualTo("j-1-2");
        secondModel.last().succeed(3, 4);
        tick();

        assertThat(acmeResults.readValue().getAttempts()).isEqualTo(2);
        List<ModelCallUsage> calls = usage.readValuesToList();
        assertThat(calls).extracting(ModelCallUsage::getEndpoint).containsExactly("primary", "secondary");
        assertThat(calls).extracting(ModelCallUsage::getOutcome).containsExactly(CallOutcome.RATE_LIMITED, CallOutcome.SUCCESS);
        assertThat(calls).extracting(ModelCallUsage::getProducedResult).containsExactly(false, true);
        assertThat(state("j-1").getStatus()).isEqualTo(ExecutionStatus.COMPLETED);
    }

    @Test
    void shouldStartTheRouteOverAfterItsLastEndpointFailsWithTheRetryPolicysBackoff() {
        withTwoEndpoints();
        submit(job("j-1", "acme"));
        model.last().fail(unavailable());
        tick();
        driver.advanceWallClockTime(Duration.ofMillis(120));
        secondModel.last().fail(unavailable());
        tick();

        List<JobRetry> retries = transientRetries.readValuesToList();
        assertThat(retries).extracting(JobRetry::getDelayMs).containsExactly(0L, 2000L);
        assertThat(state("j-1").getRoutePosition()).isZero();
        driver.advanceWallClockTime(Duration.ofMillis(2100));
        assertThat(model.calls()).hasSize(2);
        assertThat(model.last().idempotencyKey()).isEqualTo("j-1-3");
        model.last().fail(unavailable());
        tick();

        // three attempts in all (the policy's limit), fallbacks included
        JobFailure dead = acmeDlt.readValue();
        assertThat(dead.getCategory()).isEqualTo(FailureCategory.TRANSIENT);
        assertThat(dead.getAttempts()).isEqualTo(3);
        assertThat(usage.readValuesToList()).extracting(ModelCallUsage::getEndpoint).containsExactly("primary", "secondary", "primary");
    }

    @Test
    void shouldNotFallBackOnAPermanentFailure() {
        withTwoEndpoints();
        submit(job("j-1", "acme"));
        model.last().fail(new ModelOutcome.InvalidRequest(400, Optional.of("context_length_exceeded"), "too long", Duration.ofMillis(2)));
        tick();

        assertThat(acmeDlt.readValue().getCategory()).isEqualTo(FailureCategory.PERMANENT);
        assertThat(secondModel.calls()).isEmpty();
    }

    @Test
    void shouldDeadLetterAJobForAModelNoRouteServesAsInvalidWithoutACall() {
        withTwoEndpoints();
        io.aijobs.schema.JobRequest job = job("j-1", "acme");
        job.setModel("llama3");
        submit(job);
        tick();

        JobFailure dead = acmeDlt.readValue();
        assertThat(dead.getCategory()).isEqualTo(FailureCategory.INVALID);
        assertThat(dead.getErrorType()).isEqualTo("no_route");
        assertThat(dead.getOriginalValue()).isNotNull();
        assertThat(model.calls()).isEmpty();
        assertThat(secondModel.calls()).isEmpty();
    }

    @Test
    void shouldNameTheDefaultEndpointOnUsageWithASingleBaseUrl() {
        submit(job("j-1", "acme"));
        model.last().succeed(1, 1);
        tick();

        assertThat(usage.readValue().getEndpoint()).isEqualTo("default");
    }
}
