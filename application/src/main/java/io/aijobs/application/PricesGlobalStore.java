package io.aijobs.application;

import io.aijobs.contracts.Topic;
import io.aijobs.pricing.PriceBook;
import io.aijobs.schema.ModelPrice;
import java.util.Objects;
import org.apache.kafka.streams.Topology;

/**
 * The prices both applications follow: a global store of the compacted {@code platform.prices} topic, mirrored into
 * a {@link PriceBook} that prices each call (processor) or usage record (aggregator) with the entry in effect at its
 * time. One definition, so that both name their store, source and updater alike.
 */
public final class PricesGlobalStore {

    public static final String STORE = "prices";
    public static final String SOURCE = "prices-source";
    public static final String UPDATER = "prices-updater";

    private PricesGlobalStore() {
    }

    /** Adds the store, fed from {@code prices} ({@code platform.prices}), keeping {@code book} in step with it. */
    public static void addTo(Topology topology, Topic<String, ModelPrice> prices, PriceBook book) {
        Objects.requireNonNull(book, "book");
        MirroredGlobalStore.addTo(topology, STORE, SOURCE, prices, UPDATER, new MirroredGlobalStore.Mirror<>() {
            @Override
            public void put(String key, ModelPrice price) {
                book.put(price);
            }

            @Override
            public void remove(String key) {
                book.remove(key);
            }
        });
    }
}
