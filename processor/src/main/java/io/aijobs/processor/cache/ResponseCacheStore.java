package io.aijobs.processor.cache;

import io.aijobs.application.StreamsTopics;
import io.aijobs.contracts.Topic;
import io.aijobs.schema.ResponseCacheEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The tenants' response caches in each processor instance: a global store of {@code platform.response-cache}, which is
 * its changelog (compacted, and deleted after 7 days), bounded in entries and bytes by {@link CacheBudget}: a write
 * that takes it over evicts the oldest entries from this instance's store (the topic keeps them until their age).
 * Every instance follows the whole topic, so an answer written by any task serves the same request in every task.
 * Entries are read by {@code <tenantId>/<requestHash>}; the TTL is the reader's to apply (the tenant's current policy).
 */
public final class ResponseCacheStore {

    public static final String STORE = "response-cache";
    public static final String SOURCE = "response-cache-source";
    public static final String UPDATER = "response-cache-updater";

    private ResponseCacheStore() {
    }

    /** Adds the store, fed from {@code topic} and held within {@code maxEntries} and {@code maxBytes} per instance. */
    public static void addTo(Topology topology, Topic<String, ResponseCacheEntry> topic, int maxEntries, long maxBytes) {
        StreamsTopics.addGlobalStore(topology, STORE, SOURCE, topic, UPDATER, () -> new Updater(new CacheBudget(maxEntries, maxBytes)));
    }

    /**
     * What an entry counts against the byte bound: its key and text in UTF-16 (as the JVM holds text), plus 128 bytes
     * for its numbers and the store's own keeping; an estimate of its memory, not its serialized size.
     */
    public static long size(String key, ResponseCacheEntry entry) {
        long chars = key.length() + entry.getTenantId().length() + entry.getRequestHash().length() + entry.getModel().length()
                + entry.getAnsweredBy().length() + entry.getOutput().length() + entry.getFinishReason().length()
                + entry.getSourceJobId().length();
        return 2 * chars + 128;
    }

    static final class Updater implements Processor<String, ResponseCacheEntry, Void, Void> {

        private final CacheBudget budget;
        private KeyValueStore<String, ResponseCacheEntry> store;

        Updater(CacheBudget budget) {
            this.budget = budget;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(STORE);
            // what a restore wrote into the store went around this updater: count it oldest first, and hold the bounds
            List<KeyValue<String, ResponseCacheEntry>> restored = new ArrayList<>();
            try (KeyValueIterator<String, ResponseCacheEntry> all = store.all()) {
                all.forEachRemaining(restored::add);
            }
            restored.sort(Comparator.comparing(entry -> entry.value.getCreatedAt()));
            for (KeyValue<String, ResponseCacheEntry> entry : restored) {
                budget.written(entry.key, size(entry.key, entry.value)).forEach(store::delete);
            }
        }

        @Override
        public void process(Record<String, ResponseCacheEntry> record) {
            if (record.key() == null) {
                return;
            }
            if (record.value() == null) {
                store.delete(record.key());
                budget.removed(record.key());
                return;
            }
            store.put(record.key(), record.value());
            budget.written(record.key(), size(record.key(), record.value())).forEach(store::delete);
        }
    }
}
