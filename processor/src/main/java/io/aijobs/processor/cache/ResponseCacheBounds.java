package io.aijobs.processor.cache;

/** How much of the tenants' response caches one processor instance holds: entries, and bytes as {@link ResponseCacheStore} counts them. */
public record ResponseCacheBounds(int maxEntries, long maxBytes) {

    public ResponseCacheBounds {
        if (maxEntries < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("a response cache holds at least one entry and one byte");
        }
    }
}
