package io.aijobs.processor.admission;

import io.aijobs.processor.ProcessorConfig.UnknownModelPolicy;
import io.aijobs.processor.failure.Failure;
import io.aijobs.processor.pricing.PriceTable;
import io.aijobs.schema.FailureCategory;
import java.time.Instant;
import java.util.Objects;

/**
 * Under {@code pricing.unknown.model.policy=REJECT}, a job naming a model without a price is PERMANENT; under any
 * other policy this check admits every job (the call is made and recorded as unpriced).
 */
final class PriceCheck implements AdmissionCheck {

    private final UnknownModelPolicy unknownModelPolicy;
    private final PriceTable prices;

    PriceCheck(UnknownModelPolicy unknownModelPolicy, PriceTable prices) {
        this.unknownModelPolicy = Objects.requireNonNull(unknownModelPolicy, "unknownModelPolicy");
        this.prices = Objects.requireNonNull(prices, "prices");
    }

    @Override
    public String name() {
        return "price";
    }

    @Override
    public Verdict check(Candidate candidate) {
        String model = candidate.job().getModel();
        if (unknownModelPolicy != UnknownModelPolicy.REJECT || prices.isPriced(model, Instant.ofEpochMilli(candidate.nowMs()))) {
            return Verdict.admit();
        }
        return Verdict.reject(Failure.rejection(FailureCategory.PERMANENT, "unknown_model_price", "Model '" + model
                + "' has no price and pricing.unknown.model.policy=REJECT"));
    }
}
