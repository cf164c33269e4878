package io.aijobs.pricing;

import io.aijobs.schema.Cost;

/**
 * One model call, priced: its exact {@link Cost}, and what the provider's prompt cache saved on it against the
 * same call with no input token cached, and what batch pricing saved against the same call made on its own (nano-units
 * of the cost's currency; 0 when unpriced, when nothing was cached, or when the call was not a batch's).
 */
public record PricedCall(Cost cost, long promptCacheSavedNanos, long batchSavedNanos) {

    public PricedCall(Cost cost, long promptCacheSavedNanos) {
        this(cost, promptCacheSavedNanos, 0);
    }

    /** A call of a model without a price: amount 0, {@code priced=false}, never read as free. */
    public static PricedCall unpriced(String currency) {
        return new PricedCall(Cost.newBuilder().setAmountNanos(0).setCurrency(currency).setPricingVersion(null).setPriced(false).build(), 0);
    }

    /** {@code price} applied to the call's tokens; the cost records {@code version}. */
    public static PricedCall of(Price price, String currency, String version, long inputTokens, long cachedInputTokens, long outputTokens) {
        return of(price.charge(inputTokens, cachedInputTokens, outputTokens), currency, version);
    }

    /** {@code price}'s batch prices applied to the tokens of a call answered through the batch interface. */
    public static PricedCall ofBatch(Price price, String currency, String version, long inputTokens, long cachedInputTokens, long outputTokens) {
        return of(price.chargeBatch(inputTokens, cachedInputTokens, outputTokens), currency, version);
    }

    private static PricedCall of(Price.Charge charge, String currency, String version) {
        return new PricedCall(Cost.newBuilder().setAmountNanos(charge.costNanos()).setCurrency(currency).setPricingVersion(version)
                .setPriced(true).build(), charge.promptCacheSavedNanos(), charge.batchSavedNanos());
    }
}
