package io.aijobs.processor.pricing;

import io.aijobs.pricing.Price;
import io.aijobs.pricing.PriceBook;
import io.aijobs.pricing.PricedCall;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Prices per model with one version, from configuration: entries
 * {@code model=inputPrice:outputPrice[:cachedInputPrice[:batchInputPrice:batchOutputPrice]]}, prices in currency units
 * per million tokens (e.g. {@code gpt-4o-mini=0.15:0.60:0.075:0.075:0.30}; an empty cached price bills cached tokens
 * as input).
 *
 * <p>A model without a price is never costed at zero silently: {@link #charge} returns an unpriced cost
 * ({@code priced=false}) and the caller applies the unknown-model policy.
 */
public final class PriceTable {

    private final String version;
    private final String currency;
    private final Map<String, Price> prices;
    private final PriceBook book = PriceBook.empty();

    public PriceTable(String version, String currency, Map<String, Price> prices) {
        this.version = Objects.requireNonNull(version, "version");
        this.currency = Objects.requireNonNull(currency, "currency");
        this.prices = Map.copyOf(prices);
    }

    /**
     * Parses {@code model=in:out} or {@code model=in:out:cachedIn} entries (prices per million tokens; without a
     * cached input price, cached input tokens are billed as input); fails naming the bad entry.
     */
    public static PriceTable parse(String version, String currency, List<String> entries) {
        Map<String, Price> prices = new HashMap<>();
        for (String entry : entries) {
            String[] modelAndPrices = entry.split("=", 2);
            String[] amounts = modelAndPrices.length == 2 ? modelAndPrices[1].split(":", -1) : new String[0];
            if (modelAndPrices[0].isBlank() || amounts.length < 2 || amounts.length == 4 || amounts.length > 5) {
                throw new IllegalArgumentException("price entry '" + entry + "' must be model=inputPricePerMillion:outputPricePerMillion"
                        + "[:cachedInputPricePerMillion[:batchInputPricePerMillion:batchOutputPricePerMillion]]");
            }
            try {
                prices.put(modelAndPrices[0].trim(), Price.perMillionTokens(amounts[0], amounts[1],
                        amounts.length >= 3 && !amounts[2].isBlank() ? amounts[2] : null,
                        amounts.length == 5 ? amounts[3] : null, amounts.length == 5 ? amounts[4] : null));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("price entry '" + entry + "': " + e.getMessage(), e);
            }
        }
        return new PriceTable(version, currency, prices);
    }

    /**
     * Prices from the prices topic ({@code platform.prices}), kept up to date by the processor's global store. An
     * entry in effect at a call's time takes precedence over the configured price of its model.
     */
    public PriceBook book() {
        return book;
    }

    /** Whether a call of {@code model} at {@code at} has a price, from the prices topic or the configuration. */
    public boolean isPriced(String model, Instant at) {
        return book.at(model, at).isPresent() || prices.containsKey(model);
    }

    /**
     * The exact cost of a call completed at {@code at}, and what its cached input tokens (part of {@code inputTokens})
     * saved: the prices topic's entry in effect then, else the configured price; unpriced when neither has the model.
     */
    public PricedCall charge(String model, Instant at, int inputTokens, int cachedInputTokens, int outputTokens) {
        Optional<PriceBook.Entry> entry = book.at(model, at);
        if (entry.isPresent()) {
            return PricedCall.of(entry.get().price(), entry.get().currency(), entry.get().version(), inputTokens, cachedInputTokens, outputTokens);
        }
        Price price = prices.get(model);
        return price == null ? PricedCall.unpriced(currency) : PricedCall.of(price, currency, version, inputTokens, cachedInputTokens, outputTokens);
    }

    /**
     * As {@link #charge}, for a call answered through the batch interface: at the batch prices, with what they saved
     * against the same call made on its own.
     */
    public PricedCall chargeBatch(String model, Instant at, int inputTokens, int cachedInputTokens, int outputTokens) {
        Optional<PriceBook.Entry> entry = book.at(model, at);
        if (entry.isPresent()) {
            return PricedCall.ofBatch(entry.get().price(), entry.get().currency(), entry.get().version(), inputTokens, cachedInputTokens, outputTokens);
        }
        Price price = prices.get(model);
        return price == null ? PricedCall.unpriced(currency)
                : PricedCall.ofBatch(price, currency, version, inputTokens, cachedInputTokens, outputTokens);
    }

    public Optional<Price> price(String model) {
        return Optional.ofNullable(prices.get(model));
    }

    public boolean isPriced(String model) {
        return prices.containsKey(model);
    }

    public String version() {
        return version;
    }
}
