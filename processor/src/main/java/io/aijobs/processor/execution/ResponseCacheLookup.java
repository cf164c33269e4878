package io.aijobs.processor.execution;

import io.aijobs.processor.cache.CacheBudget;
import io.aijobs.processor.cache.ResponseCacheStore;
import io.aijobs.schema.ResponseCacheEntry;
import io.aijobs.schema.TenantPolicy;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * One task's reads of the tenants' response caches: the instance's global store, which shows an answer once its
 * transaction has committed and the global thread has read it, and the answers this task wrote that the global store
 * does not show yet (at most {@value #WRITTEN_HERE} of them and {@value #WRITTEN_HERE_BYTES} bytes, counted as the
 * global store counts them), so that a job queued in the same task behind an identical one finds the answer when it
 * is about to start. An answer written here is in this task's transaction: if it aborts, the task starts again and
 * forgets it.
 */
final class ResponseCacheLookup {

    static final int WRITTEN_HERE = 1_000;
    static final long WRITTEN_HERE_BYTES = 1024 * 1024;

    private final ReadOnlyKeyValueStore<String, ResponseCacheEntry> store;
    private final Map<String, ResponseCacheEntry> writtenHere = new HashMap<>();
    private final CacheBudget writtenHereBudget = new CacheBudget(WRITTEN_HERE, WRITTEN_HERE_BYTES);

    ResponseCacheLookup(ReadOnlyKeyValueStore<String, ResponseCacheEntry> store) {
        this.store = store;
    }

    /**
     * The newest answer kept under {@code key} ({@link io.aijobs.processor.cache.ResponseCacheKey}), if it is younger
     * than the policy's TTL at {@code now}.
     */
    Optional<ResponseCacheEntry> answer(TenantPolicy policy, String key, long now) {
        ResponseCacheEntry entry = store.get(key);
        ResponseCacheEntry local = writtenHere.get(key);
        if (local != null && entry != null && !entry.getCreatedAt().isBefore(local.getCreatedAt())) {
            // the global store has caught up with what this task wrote
            forget(key);
        } else if (local != null) {
            entry = local;
        }
        return entry != null && now - entry.getCreatedAt().toEpochMilli() < policy.getResponseCacheTtlMs()
                ? Optional.of(entry) : Optional.empty();
    }

    /** Remembers an answer this task is writing under {@code key}, within the bounds. */
    void written(String key, ResponseCacheEntry entry) {
        writtenHere.put(key, entry);
        writtenHereBudget.written(key, ResponseCacheStore.size(key, entry)).forEach(writtenHere::remove);
    }

    private void forget(String key) {
        writtenHere.remove(key);
        writtenHereBudget.removed(key);
    }
}
