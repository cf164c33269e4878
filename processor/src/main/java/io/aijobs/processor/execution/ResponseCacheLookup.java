package io.aijobs.processor.execution;

import io.aijobs.schema.ResponseCacheEntry;
import io.aijobs.schema.TenantPolicy;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * One task's reads of the tenants' response caches: the instance's global store, which shows an answer once its
 * transaction has committed and the global thread has read it, and the answers this task wrote since it was initialised
 * (at most {@value #WRITTEN_HERE}), so that a job waiting in the same task behind an identical one is answered at once.
 * An answer written here is in this task's transaction: if it aborts, the task starts again and forgets it.
 */
final class ResponseCacheLookup {

    static final int WRITTEN_HERE = 1_000;

    private final ReadOnlyKeyValueStore<String, ResponseCacheEntry> store;
    private final Map<String, ResponseCacheEntry> writtenHere = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ResponseCacheEntry> eldest) {
            return size() > WRITTEN_HERE;
        }
    };

    ResponseCacheLookup(ReadOnlyKeyValueStore<String, ResponseCacheEntry> store) {
        this.store = store;
    }

    /** The answer kept under {@code key} ({@link io.aijobs.processor.cache.ResponseCacheKey}) younger than the policy's TTL at {@code now}. */
    Optional<ResponseCacheEntry> answer(TenantPolicy policy, String key, long now) {
        ResponseCacheEntry entry = writtenHere.get(key);
        if (entry == null) {
            entry = store.get(key);
        }
        return entry != null && now - entry.getCreatedAt().toEpochMilli() < policy.getResponseCacheTtlMs()
                ? Optional.of(entry) : Optional.empty();
    }

    /** Remembers an answer this task is writing under {@code key}. */
    void written(String key, ResponseCacheEntry entry) {
        writtenHere.put(key, entry);
    }
}
