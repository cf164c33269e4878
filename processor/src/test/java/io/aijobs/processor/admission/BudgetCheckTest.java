package io.aijobs.processor.admission;

import static io.aijobs.processor.admission.AdmissionFixtures.T0;
import static io.aijobs.processor.admission.AdmissionFixtures.candidate;
import static io.aijobs.processor.admission.AdmissionFixtures.job;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.TenantSpend;
import org.junit.jupiter.api.Test;

class BudgetCheckTest {

    private static TenantSpend spend(String period, boolean overHardLimit) {
        return TenantSpend.newBuilder().setTenantId("acme").setPeriod(period).setSpentNanos(120L).setHardLimitNanos(100L)
                .setOverHardLimit(overHardLimit).setUpdatedAt(T0).build();
    }

    @Test
    void shouldAdmitATenantWithNoSpendPublished() {
        assertThat(new BudgetCheck(tenant -> null).check(candidate(job("j-1").build()))).isEqualTo(Verdict.admit());
    }

    @Test
    void shouldAdmitATenantUnderItsHardLimit() {
        assertThat(new BudgetCheck(tenant -> spend("2026-11", false)).check(candidate(job("j-1").build())))
                .isEqualTo(Verdict.admit());
    }

    @Test
    void shouldRejectATenantAtItsHardLimitThisPeriodAsBudget() {
        Verdict verdict = new BudgetCheck(tenant -> spend("2026-11", true)).check(candidate(job("j-1").build()));

        assertThat(verdict).isInstanceOfSatisfying(Verdict.Reject.class, reject -> {
            assertThat(reject.failure().category()).isEqualTo(FailureCategory.BUDGET);
            assertThat(reject.failure().errorType()).isEqualTo("budget_hard_limit");
            assertThat(reject.failure().message()).contains("spent 120 of 100");
        });
    }

    @Test
    void shouldAdmitATenantThatWasOverItsHardLimitLastPeriod() {
        assertThat(new BudgetCheck(tenant -> spend("2026-10", true)).check(candidate(job("j-1").build())))
                .isEqualTo(Verdict.admit());
    }

    @Test
    void shouldNameTheBillingPeriodAsTheCostAggregatorDoes() {
        assertThat(BudgetCheck.billingPeriod(T0.toEpochMilli())).isEqualTo("2026-11");
        assertThat(BudgetCheck.billingPeriod(java.time.Instant.parse("2026-11-30T23:59:59.999Z").toEpochMilli())).isEqualTo("2026-11");
        assertThat(BudgetCheck.billingPeriod(java.time.Instant.parse("2026-12-01T00:00:00Z").toEpochMilli())).isEqualTo("2026-12");
    }
}
