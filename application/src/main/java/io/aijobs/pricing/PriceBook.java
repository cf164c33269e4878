package io.aijobs.pricing;

import io.aijobs.schema.ModelPrice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Versioned, effective-dated model prices: the price of a call is the entry of its model with the latest
 * {@code effectiveFrom} at or before the call's time. Loaded from a CSV file and updated from {@code ModelPrice}
 * records (the compacted prices topic); money in exact nano-units, never floating point.
 *
 * <p>File format, one entry per line after a header, {@code #} comments allowed:
 * <pre>
 * model,effective_from,input_per_million,output_per_million[,cached_input_per_million[,batch_input_per_million,batch_output_per_million]]
 * gpt-4o-mini,2026-01-01,0.15,0.60,0.075
 * gpt-4o-mini,2026-12-01T00:00:00Z,0.12,0.48,,0.06,0.24
 * </pre>
 * An empty cached input price bills cached tokens as input; without batch prices, batch calls cost the regular prices.
 * Dates are UTC days or instants. Thread-safe: readers see a consistent snapshot.
 */
public final class PriceBook {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PriceBook.class);

    /** One entry. */
    public record Entry(String model, Instant effectiveFrom, Price price, String version, String currency, ModelPrice source) {
    }

    private volatile Map<String, NavigableMap<Instant, Entry>> entries = Map.of();

    public static PriceBook empty() {
        return new PriceBook();
    }

    /** Parses a price file; fails naming the line. The version of each entry is {@code version}. */
    public static List<ModelPrice> parse(Path file, String version) throws IOException {
        List<ModelPrice> prices = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        boolean header = true;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (header) {
                header = false;
                if (line.toLowerCase(Locale.ROOT).startsWith("model,")) {
                    continue;
                }
            }
            String[] cells = line.split(",", -1);
            if (cells.length < 4 || cells.length == 6 || cells.length > 7) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected model,effective_from,input_per_million,"
                        + "output_per_million[,cached_input_per_million[,batch_input_per_million,batch_output_per_million]]");
            }
            try {
                ModelPrice price = ModelPrice.newBuilder()
                        .setModel(cells[0].trim())
                        .setEffectiveFrom(parseInstant(cells[1].trim()))
                        .setInputPerMillion(cells[2].trim())
                        .setOutputPerMillion(cells[3].trim())
                        .setCachedInputPerMillion(cells.length >= 5 && !cells[4].isBlank() ? cells[4].trim() : null)
                        .setBatchInputPerMillion(cells.length == 7 && !cells[5].isBlank() ? cells[5].trim() : null)
                        .setBatchOutputPerMillion(cells.length == 7 && !cells[6].isBlank() ? cells[6].trim() : null)
                        .setCurrency("USD")
                        .setVersion(version)
                        .build();
                if (price.getModel().isEmpty()) {
                    throw new IllegalArgumentException("empty model");
                }
                toPrice(price);
                prices.add(price);
            } catch (IllegalArgumentException | DateTimeParseException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return prices;
    }

    private static Instant parseInstant(String text) {
        return text.contains("T") ? Instant.parse(text) : LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private static Price toPrice(ModelPrice price) {
        return Price.perMillionTokens(price.getInputPerMillion(), price.getOutputPerMillion(), price.getCachedInputPerMillion(),
                price.getBatchInputPerMillion(), price.getBatchOutputPerMillion());
    }

    /** The key of a price on the prices topic: {@code <model>@<effectiveFrom>}. */
    public static String key(ModelPrice price) {
        return price.getModel() + "@" + price.getEffectiveFrom();
    }

    /**
     * Adds or replaces the entry of {@code price}'s model and effective date. An entry from the prices topic that a
     * price file would not pass is not taken: one whose input or output price is not an exact amount is left out (the
     * model keeps the entries it had), and one whose cached input or batch prices are not, or exceed the regular
     * prices, bills cached tokens as input and batch calls at the regular prices. Both are logged; neither stops the
     * thread that follows the topic.
     */
    public synchronized void put(ModelPrice price) {
        Objects.requireNonNull(price, "price");
        Price parsed;
        try {
            parsed = Price.perMillionTokens(price.getInputPerMillion(), price.getOutputPerMillion());
        } catch (IllegalArgumentException e) {
            log.warn("Price {} left out (version {}): {}", key(price), price.getVersion(), e.getMessage());
            return;
        }
        try {
            parsed = toPrice(price);
        } catch (IllegalArgumentException e) {
            log.warn("Price {} (version {}): its cached input and batch prices are not used, cached tokens are billed as input "
                    + "and batch calls at the regular prices: {}", key(price),
                    price.getVersion(), e.getMessage());
        }
        Entry entry = new Entry(price.getModel(), price.getEffectiveFrom(), parsed, price.getVersion(), price.getCurrency(), price);
        Map<String, NavigableMap<Instant, Entry>> copy = new HashMap<>(entries);
        NavigableMap<Instant, Entry> model = new TreeMap<>(copy.getOrDefault(price.getModel(), new TreeMap<>()));
        model.put(price.getEffectiveFrom(), entry);
        copy.put(price.getModel(), model);
        entries = Map.copyOf(copy);
    }

    /** Removes the entry with this key (a tombstone on the prices topic). */
    public synchronized void remove(String key) {
        int at = key.lastIndexOf('@');
        if (at <= 0) {
            return;
        }
        String model = key.substring(0, at);
        Instant from;
        try {
            from = Instant.parse(key.substring(at + 1));
        } catch (DateTimeParseException e) {
            return;
        }
        Map<String, NavigableMap<Instant, Entry>> copy = new HashMap<>(entries);
        NavigableMap<Instant, Entry> prices = copy.get(model);
        if (prices != null) {
            NavigableMap<Instant, Entry> rest = new TreeMap<>(prices);
            rest.remove(from);
            copy.put(model, rest);
            entries = Map.copyOf(copy);
        }
    }

    /** The entry in effect for {@code model} at {@code at}. */
    public Optional<Entry> at(String model, Instant at) {
        NavigableMap<Instant, Entry> prices = entries.get(model);
        if (prices == null) {
            return Optional.empty();
        }
        Map.Entry<Instant, Entry> entry = prices.floorEntry(at);
        return entry == null ? Optional.empty() : Optional.of(entry.getValue());
    }

    /**
     * The exact cost of a call of {@code model} completed at {@code at}, and what its cached input tokens (part of
     * {@code inputTokens}) saved; unpriced ({@code priced=false}) when no entry applies.
     */
    public PricedCall price(String model, Instant at, long inputTokens, long cachedInputTokens, long outputTokens) {
        return at(model, at)
                .map(entry -> PricedCall.of(entry.price(), entry.currency(), entry.version(), inputTokens, cachedInputTokens, outputTokens))
                .orElseGet(() -> PricedCall.unpriced("USD"));
    }

    /**
     * As {@link #price}, for a call answered through the batch interface: the entry's batch prices, and what they saved
     * against the same call made on its own.
     */
    public PricedCall priceBatch(String model, Instant at, long inputTokens, long cachedInputTokens, long outputTokens) {
        return at(model, at)
                .map(entry -> PricedCall.ofBatch(entry.price(), entry.currency(), entry.version(), inputTokens, cachedInputTokens, outputTokens))
                .orElseGet(() -> PricedCall.unpriced("USD"));
    }

    public int size() {
        return entries.values().stream().mapToInt(Map::size).sum();
    }
}
