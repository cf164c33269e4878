package io.aijobs.application;

import io.aijobs.contracts.Topic;
import io.aijobs.pricing.PriceBook;
import io.aijobs.schema.ModelPrice;
import java.util.Objects;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

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
        StreamsTopics.addGlobalStore(topology, STORE, SOURCE, prices, UPDATER, () -> new Updater(book));
    }

    /** Keeps the store and the book in step: an entry per key, removed by a tombstone. */
    static final class Updater implements Processor<String, ModelPrice, Void, Void> {

        private final PriceBook book;
        private KeyValueStore<String, ModelPrice> store;

        Updater(PriceBook book) {
            this.book = book;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(STORE);
            try (KeyValueIterator<String, ModelPrice> all = store.all()) {
                all.forEachRemaining(entry -> book.put(entry.value));
            }
        }

        @Override
        public void process(Record<String, ModelPrice> record) {
            if (record.key() == null) {
                return;
            }
            if (record.value() == null) {
                store.delete(record.key());
                book.remove(record.key());
            } else {
                store.put(record.key(), record.value());
                book.put(record.value());
            }
        }
    }
}
