package io.aijobs.pricing;

import io.aijobs.schema.Cost;

/**
 * One model call, priced: its exact {@link Cost}, and what the provider's prompt cache saved on it against the
 * same call with no input token cached (nano-units of the cost's currency; 0 when unpriced or nothing was cached).
 */
public record PricedCall(Cost cost, long promptCacheSavedNanos) {

    /** A call of a model without a price: amount 0, {@code priced=false}, never read as free. */
    public static PricedCall unpriced(String currency) {
        return new PricedCall(Cost.newBuilder().setAmountNanos(0).setCurrency(currency).setPricingVersion(null).setPriced(false).build(), 0);
    }

    /** {@code price} applied to the call's tokens; the cost records {@code version}. */
    public static PricedCall of(Price price, String currency, String version, long inputTokens, long cachedInputTokens, long outputTokens) {
        Price.Charge charge = price.charge(inputTokens, cachedInputTokens, outputTokens);
        return new PricedCall(Cost.newBuilder().setAmountNanos(charge.costNanos()).setCurrency(currency).setPricingVersion(version)
                .setPriced(true).build(), charge.promptCacheSavedNanos());
    }
}
