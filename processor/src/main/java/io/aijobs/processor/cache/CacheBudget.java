package io.aijobs.processor.cache;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bound of a cache in entries and bytes: keeps its keys in the order they were last written, and names the oldest
 * to evict when a write takes it over either bound. Not thread-safe: one writer (the global store's updater).
 */
public final class CacheBudget {

    private final int maxEntries;
    private final long maxBytes;
    private final LinkedHashMap<String, Long> sizes = new LinkedHashMap<>();
    private long bytes;

    public CacheBudget(int maxEntries, long maxBytes) {
        if (maxEntries < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("a cache holds at least one entry and one byte");
        }
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
    }

    /**
     * Counts a write of {@code key} taking {@code size} bytes, as the newest entry; returns the keys to evict, oldest
     * first, so that both bounds hold again. An entry larger than the byte bound on its own is not kept, and evicts
     * nothing else: the key alone is returned.
     */
    public List<String> written(String key, long size) {
        removed(key);
        if (size > maxBytes) {
            return List.of(key);
        }
        sizes.put(key, size);
        bytes += size;
        List<String> evicted = new ArrayList<>();
        Iterator<Map.Entry<String, Long>> oldest = sizes.entrySet().iterator();
        while ((sizes.size() > maxEntries || bytes > maxBytes) && oldest.hasNext()) {
            Map.Entry<String, Long> entry = oldest.next();
            bytes -= entry.getValue();
            oldest.remove();
            evicted.add(entry.getKey());
        }
        return evicted;
    }

    /** Forgets {@code key} (a tombstone, or an eviction done elsewhere). */
    public void removed(String key) {
        Long size = sizes.remove(key);
        if (size != null) {
            bytes -= size;
        }
    }

    public int entries() {
        return sizes.size();
    }

    public long bytes() {
        return bytes;
    }
}
