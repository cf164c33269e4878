package io.aijobs.processor.admission;

import static io.aijobs.processor.admission.AdmissionFixtures.ACME;
import static io.aijobs.processor.admission.AdmissionFixtures.ACME_JOBS;
import static io.aijobs.processor.admission.AdmissionFixtures.T0;
import static io.aijobs.processor.admission.AdmissionFixtures.job;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.processor.failure.Failure;
import io.aijobs.schema.DeadLetterContent;
import io.aijobs.schema.TenantPolicy;
import org.junit.jupiter.api.Test;

/** The rate limit shared among the partitions of a tenant's jobs topic. */
class TenantPolicyEnforcerTest {

    private static TenantPolicy rate(double perSecond) {
        return TenantPolicy.newBuilder().setTenantId("acme").setRetentionMs(1000L).setUpdatedAt(T0).setRateLimitPerSecond(perSecond).build();
    }

    private static boolean admitted(TenantPolicyEnforcer enforcer, TenantPolicy policy, int partition, long atMs) {
        Failure refused = enforcer.check(ACME, policy, job("j").build(), new Arrival(ACME_JOBS, partition, "j", new byte[0], null, atMs));
        return refused == null;
    }

    /** Jobs admitted from {@code perPartition} attempts on each of {@code partitions} partitions at {@code atMs}. */
    private static int admittedAt(TenantPolicyEnforcer enforcer, TenantPolicy policy, int partitions, int perPartition, long atMs) {
        int admitted = 0;
        for (int p = 0; p < partitions; p++) {
            for (int i = 0; i < perPartition; i++) {
                admitted += admitted(enforcer, policy, p, atMs) ? 1 : 0;
            }
        }
        return admitted;
    }

    @Test
    void shouldGiveEachOfFourPartitionsAQuarterOfTheRateSoTheTopicAdmitsTheRate() {
        TenantPolicyEnforcer enforcer = new TenantPolicyEnforcer(true, DeadLetterContent.FULL, topic -> 4);
        long t0 = T0.toEpochMilli();

        assertThat(admittedAt(enforcer, rate(8), 4, 100, t0)).isEqualTo(8);
        assertThat(admittedAt(enforcer, rate(8), 4, 100, t0 + 1000)).isEqualTo(8);
        assertThat(admittedAt(enforcer, rate(8), 1, 100, t0 + 2000)).as("one partition alone: its quarter").isEqualTo(2);
    }

    @Test
    void shouldHoldOneTokenPerPartitionWhenTheRateIsBelowThePartitionCount() {
        TenantPolicyEnforcer enforcer = new TenantPolicyEnforcer(true, DeadLetterContent.FULL, topic -> 4);
        long t0 = T0.toEpochMilli();

        assertThat(admittedAt(enforcer, rate(1), 4, 10, t0)).as("a burst of max(P, R)").isEqualTo(4);
        assertThat(admittedAt(enforcer, rate(1), 4, 10, t0 + 3999)).isZero();
        assertThat(admittedAt(enforcer, rate(1), 4, 10, t0 + 4000)).isEqualTo(4);
    }

    @Test
    void shouldAdmitAtMostRateTimesIntervalPlusTheBurstsUnderSteadyOverload() {
        TenantPolicyEnforcer enforcer = new TenantPolicyEnforcer(true, DeadLetterContent.FULL, topic -> 3);
        long t0 = T0.toEpochMilli();
        int admitted = 0;
        // 10 s of 50 jobs/s, one every 20 ms, round robin over 3 partitions, against 10 jobs/s
        for (int i = 0; i < 500; i++) {
            admitted += admitted(enforcer, rate(10), i % 3, t0 + 20L * i) ? 1 : 0;
        }

        // the last arrival is at 9.98 s: at most 10 x 9.98 + max(3, 10); refills come in whole tokens per partition
        assertThat(admitted).isBetween(100, 109);
    }

    @Test
    void shouldGiveAPartitionTheWholeRateWhileThePartitionCountIsUnknown() {
        TenantPolicyEnforcer enforcer = new TenantPolicyEnforcer(true, DeadLetterContent.FULL, topic -> 0);

        assertThat(admittedAt(enforcer, rate(5), 2, 100, T0.toEpochMilli())).isEqualTo(10);
    }

    @Test
    void shouldKeepTheBucketsOfTwoTenantsTopicsApart() {
        TenantPolicyEnforcer enforcer = new TenantPolicyEnforcer(false, DeadLetterContent.FULL, topic -> 1);
        long t0 = T0.toEpochMilli();
        TenantPolicy policy = rate(1);

        assertThat(admitted(enforcer, policy, 0, t0)).isTrue();
        assertThat(admitted(enforcer, policy, 0, t0)).isFalse();
        assertThat(enforcer.check(ACME, policy, job("j").build(), new Arrival("tenant.other.jobs", 0, "j", new byte[0], null, t0))).isNull();
    }
}
