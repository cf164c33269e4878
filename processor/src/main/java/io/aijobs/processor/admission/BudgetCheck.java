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
public final class BudgetCheck implements AdmissionCheck {

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
        Failure refused = refusal(candidate.tenant(), spendOf.apply(candidate.tenant()), candidate.nowMs());
        return refused == null ? Verdict.admit() : Verdict.reject(refused);
    }

    /**
     * Why the tenant may make no more calls now (its spend in the current period reached its hard limit), or null.
     * Admission asks it of every new job; the processor asks it again when a queued job is about to start its first
     * call, so that a job admitted before the limit was reached and still waiting makes no call after it.
     *
     * @param spent the tenant's spend as last published, or null when none was
     */
    public static Failure refusal(TenantId tenant, TenantSpend spent, long nowMs) {
        if (spent == null || !spent.getOverHardLimit() || !spent.getPeriod().equals(billingPeriod(nowMs))) {
            return null;
        }
        return Failure.rejection(FailureCategory.BUDGET, "budget_hard_limit", "Tenant " + tenant
                + " reached its hard limit for " + spent.getPeriod() + " (spent " + spent.getSpentNanos() + " of "
                + spent.getHardLimitNanos() + " nano-units); no model call was made");
    }

    /** The billing period ({@code yyyy-MM}, UTC) of an instant, as the cost aggregator names it. */
    static String billingPeriod(long epochMillis) {
        return YearMonth.from(Instant.ofEpochMilli(epochMillis).atZone(ZoneOffset.UTC)).toString();
    }
}
