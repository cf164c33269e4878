package io.aijobs.processor.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.contracts.TenantId;
import io.aijobs.schema.JobPriority;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.state.ExecutionStatus;
import io.aijobs.testing.DriverTopics;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * Sharing one instance's call slots between tenants on one task (both tenants' partition 0): which waiting job starts
 * when a slot frees, with weights, caps and priorities from the tenants' policies.
 */
class JobExecutionFairnessTest extends ExecutionTopologyFixture {

    private static final TenantId BRAVO = TenantId.of("bravo");

    private void submitAs(TenantId tenant, JobRequest job) {
        TestInputTopic<String, byte[]> input = DriverTopics.rawInput(driver, topics.jobs(tenant));
        input.pipeInput(job.getJobId(), topics.jobs(tenant).serializeValue(job));
    }

    /** Restarts the driver with this many call slots. */
    private void withSlots(int slots) {
        limiter = new InFlightLimiter(slots);
        stop();
        startDriver();
    }

    private List<String> calledJobIds() {
        return model.calls().stream().map(call -> call.job().getJobId()).toList();
    }

    /** Ends the oldest open call and lets the task start what comes next. */
    private void completeOldestOpenCall() {
        model.calls().stream().filter(call -> !call.answer().isDone()).findFirst().orElseThrow().succeed(1, 1);
        tick();
    }

    private ExecutionStatus status(TenantId tenant, String jobId) {
        KeyValueStore<String, io.aijobs.schema.state.JobExecutionState> store = driver.getKeyValueStore(io.aijobs.processor.JobTopology.STATE_STORE);
        return store.get(tenant.value() + "/" + jobId).getStatus();
    }

    @Test
    void shouldStartAnotherTenantsJobAheadOfABacklogThatCameFirst() {
        for (int i = 1; i <= 10; i++) {
            submit(job("a" + i, "acme"));
        }
        submitAs(BRAVO, job("b1", "bravo"));

        assertThat(calledJobIds()).containsExactly("a1", "a2");
        assertThat(status(BRAVO, "b1")).isEqualTo(ExecutionStatus.QUEUED);

        completeOldestOpenCall();

        assertThat(calledJobIds()).as("the freed slot goes to bravo, not to acme's third job").containsExactly("a1", "a2", "b1");
        completeOldestOpenCall();
        assertThat(calledJobIds()).as("bravo has nothing left waiting: acme gets the slot").containsExactly("a1", "a2", "b1", "a3");
    }

    @Test
    void shouldShareStartsInProportionToWeightWhileBothTenantsWait() {
        withSlots(1);
        policies().pipeInput("acme", acmePolicy().setWeight(3.0).build());
        policies().pipeInput("bravo", acmePolicy().setTenantId("bravo").setWeight(1.0).build());
        for (int i = 1; i <= 20; i++) {
            submit(job("a" + i, "acme"));
            submitAs(BRAVO, job("b" + i, "bravo"));
        }
        for (int i = 0; i < 16; i++) {
            completeOldestOpenCall();
        }

        // a1 took the free slot on arrival; the 16 starts after it, with both tenants waiting throughout
        List<String> contested = calledJobIds().subList(1, 17);
        long acmeStarts = contested.stream().filter(id -> id.startsWith("a")).count();
        assertThat(acmeStarts).as("weight 3 against 1: three of every four starts, %s", contested).isEqualTo(12);
    }

    @Test
    void shouldHoldATenantAtItsCapOnOpenCallsAndGiveTheOtherSlotsToOthers() {
        withSlots(4);
        policies().pipeInput("acme", acmePolicy().setMaxConcurrentCalls(1).build());
        submit(job("a1", "acme"));
        submit(job("a2", "acme"));
        submit(job("a3", "acme"));
        submitAs(BRAVO, job("b1", "bravo"));
        submitAs(BRAVO, job("b2", "bravo"));

        assertThat(calledJobIds()).as("acme holds one call; bravo takes slots acme may not use").containsExactly("a1", "b1", "b2");
        assertThat(status(ACME, "a2")).isEqualTo(ExecutionStatus.QUEUED);
        assertThat(limiter.inFlight()).isEqualTo(3);

        model.calls().get(0).succeed(1, 1);
        tick();

        assertThat(calledJobIds()).as("acme's call ended: its next job starts, one at a time").containsExactly("a1", "b1", "b2", "a2");
        assertThat(status(ACME, "a3")).isEqualTo(ExecutionStatus.QUEUED);
    }

    @Test
    void shouldStartATenantsInteractiveJobsBeforeItsBatchJobsThatCameFirst() {
        withSlots(1);
        submit(job("blocker", "acme"));
        JobRequest batch1 = job("batch1", "acme");
        batch1.setPriority(JobPriority.BATCH);
        JobRequest batch2 = job("batch2", "acme");
        batch2.setPriority(JobPriority.BATCH);
        submit(batch1);
        submit(batch2);
        submit(job("interactive1", "acme"));

        completeOldestOpenCall();
        completeOldestOpenCall();
        completeOldestOpenCall();

        assertThat(calledJobIds()).containsExactly("blocker", "interactive1", "batch1", "batch2");
    }

    @Test
    void shouldGiveATenantAloneEverySlot() {
        withSlots(3);
        policies().pipeInput("acme", acmePolicy().setWeight(0.1).build());
        for (int i = 1; i <= 5; i++) {
            submit(job("a" + i, "acme"));
        }

        assertThat(limiter.inFlight()).as("a small weight does not hold back a tenant nobody competes with").isEqualTo(3);
        completeOldestOpenCall();
        completeOldestOpenCall();
        assertThat(calledJobIds()).containsExactly("a1", "a2", "a3", "a4", "a5");
    }

    @Test
    void shouldStartTheWaitingTenantsJobDuringAnIntakeBoundWaitThoughATenantOfAnotherTaskIsOwedTheSlot() {
        queuedJobsPerTenant = 1;
        // shorter than FairShare's stall limit (500 ms), after which nobody defers to the other tenant anyway
        backpressureMaxBlock = Duration.ofMillis(300);
        withSlots(2);
        // a job of another tenant waits in another task of this stream thread (not in this driver's task), served least
        fairShare.waiting("other-task-tenant", JobPriority.INTERACTIVE);
        submit(job("a1", "acme"));

        // a2 finds a free slot, but the share owes it to the other tenant, and acme's queue is at its bound: the thread
        // waits here, where it must take the slot, since the other tenant's task cannot run until the wait ends (before:
        // the wait ran out its 300 ms with a2 still queued)
        submit(job("a2", "acme"));

        assertThat(calledJobIds()).containsExactly("a1", "a2");
    }
}
