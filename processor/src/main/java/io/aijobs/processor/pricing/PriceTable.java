package io.aijobs.processor.pricing;

import io.aijobs.pricing.Price;
import io.aijobs.pricing.PriceBook;
import io.aijobs.schema.Cost;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Prices per model with one version, from configuration: entries {@code model=inputPrice:outputPrice}, prices in
 * currency units per million tokens (e.g. {@code gpt-4o-mini=0.15:0.60}).
 *
 * <p>A model without a price is never costed at zero silently: {@link #cost} returns an unpriced {@link Cost}
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

    /** Parses {@code model=in:out} entries; fails naming the bad entry. */
    public static PriceTable parse(String version, String currency, List<String> entries) {
        Map<String, Price> prices = new HashMap<>();
        for (String entry : entries) {
            String[] modelAndPrices = entry.split("=", 2);
            String[] inOut = modelAndPrices.length == 2 ? modelAndPrices[1].split(":", 2) : new String[0];
            if (modelAndPrices[0].isBlank() || inOut.length != 2) {
                throw new IllegalArgumentException("price entry '" + entry + "' must be model=inputPricePerMillion:outputPricePerMillion");
            }
            prices.put(modelAndPrices[0].trim(), Price.perMillionTokens(inOut[0], inOut[1]));
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

    /** The exact cost of a call completed at {@code at}: the prices topic's entry in effect then, else the configured price. */
    public Cost cost(String model, Instant at, int inputTokens, int outputTokens) {
        Optional<PriceBook.Entry> entry = book.at(model, at);
        if (entry.isPresent()) {
            return Cost.newBuilder().setAmountNanos(entry.get().price().costNanos(inputTokens, outputTokens))
                    .setCurrency(entry.get().currency()).setPricingVersion(entry.get().version()).setPriced(true).build();
        }
        return cost(model, inputTokens, outputTokens);
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

    /** The exact cost of a call of {@code model}; unpriced (amount 0, {@code priced=false}) when the model has no price. */
    public Cost cost(String model, int inputTokens, int outputTokens) {
        Price price = prices.get(model);
        if (price == null) {
            return Cost.newBuilder().setAmountNanos(0).setCurrency(currency).setPricingVersion(null).setPriced(false).build();
        }
        return Cost.newBuilder().setAmountNanos(price.costNanos(inputTokens, outputTokens)).setCurrency(currency)
                .setPricingVersion(version).setPriced(true).build();
    }
}
