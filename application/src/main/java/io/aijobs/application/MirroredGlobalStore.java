package io.aijobs.application;

import io.aijobs.contracts.Topic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A global store of a compacted platform topic kept in step with an in-memory mirror that other threads read (the price
 * book, the tenants' policies): an entry per key, removed by a tombstone, and the mirror filled from the store when the
 * global thread starts.
 */
final class MirroredGlobalStore {

    /** What the store's entries are copied into. */
    interface Mirror<V> {
        void put(String key, V value);

        void remove(String key);
    }

    private MirroredGlobalStore() {
    }

    static <V> void addTo(Topology topology, String store, String source, Topic<String, V> topic, String updater, Mirror<V> mirror) {
        StreamsTopics.addGlobalStore(topology, store, source, topic, updater, () -> new Updater<>(store, mirror));
    }

    private static final class Updater<V> implements Processor<String, V, Void, Void> {

        private final String storeName;
        private final Mirror<V> mirror;
        private KeyValueStore<String, V> store;

        Updater(String storeName, Mirror<V> mirror) {
            this.storeName = storeName;
            this.mirror = mirror;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(storeName);
            try (KeyValueIterator<String, V> all = store.all()) {
                all.forEachRemaining(entry -> mirror.put(entry.key, entry.value));
            }
        }

        @Override
        public void process(Record<String, V> record) {
            if (record.key() == null) {
                return;
            }
            if (record.value() == null) {
                store.delete(record.key());
                mirror.remove(record.key());
            } else {
                store.put(record.key(), record.value());
                mirror.put(record.key(), record.value());
            }
        }
    }
}
