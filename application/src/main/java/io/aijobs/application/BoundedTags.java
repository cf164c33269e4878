package io.aijobs.application;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The values of one metric tag that come from data (a tenant, a model a job names), bounded: the first {@code limit}
 * distinct values keep their own tag, later ones share {@value #OTHER}, so that 10,000 tenants or arbitrary model
 * names cannot explode a metrics backend. Thread-safe; the limit holds exactly.
 */
public final class BoundedTags {

    public static final String OTHER = "other";

    private final int limit;
    private final Set<String> tagged = ConcurrentHashMap.newKeySet();

    public BoundedTags(int limit) {
        this.limit = limit;
    }

    /** {@code value}'s tag: itself while fewer than the limit have been seen (or it was among them), else {@value #OTHER}. */
    public String tag(String value) {
        if (tagged.contains(value)) {
            return value;
        }
        synchronized (tagged) {
            if (tagged.contains(value) || tagged.size() < limit) {
                tagged.add(value);
                return value;
            }
        }
        return OTHER;
    }
}
