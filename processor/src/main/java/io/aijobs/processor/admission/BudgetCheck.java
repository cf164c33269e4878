package io.aijobs.processor.admission;

import io.aijobs.contracts.TenantId;
import io.aijobs.processor.failure.Failure;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.TenantSpend;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.function.Function;

/**
 * A tenant whose spend in the current billing period reached its hard limit (as the cost aggregator last published
 * it) is BUDGET. Spend of an earlier period does not count: a new month starts with nothing spent.
 */
final class BudgetCheck implements AdmissionCheck {

    private final Function<TenantId, TenantSpend> spendOf;

    /** @param spendOf the tenant's spend as last published, or null when none was */
    BudgetCheck(Function<TenantId, TenantSpend> spendOf) {
        this.spendOf = Objects.requireNonNull(spendOf, "spendOf");
    }

    @Override
    public String name() {
        return "budget";
    }

    @Override
    public Verdict check(Candidate candidate) {
        TenantSpend spent = spendOf.apply(candidate.tenant());
        if (spent == null || !spent.getOverHardLimit() || !spent.getPeriod().equals(billingPeriod(candidate.nowMs()))) {
            return Verdict.admit();
        }
        return Verdict.reject(Failure.rejection(FailureCategory.BUDGET, "budget_hard_limit", "Tenant " + candidate.tenant()
                + " reached its hard limit for " + spent.getPeriod() + " (spent " + spent.getSpentNanos() + " of "
                + spent.getHardLimitNanos() + " nano-units); no model call was made"));
    }

    /** The billing period ({@code yyyy-MM}, UTC) of an instant, as the cost aggregator names it. */
    static String billingPeriod(long epochMillis) {
        return YearMonth.from(Instant.ofEpochMilli(epochMillis).atZone(ZoneOffset.UTC)).toString();
    }
}
