package io.aijobs.application;

import io.aijobs.contracts.Topic;
import io.aijobs.schema.TenantPolicy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.Topology;

/**
 * The tenants' policies both applications follow: a global store of the compacted {@code platform.tenant-policies}
 * topic (the latest {@code TenantPolicy} per tenant), mirrored into a {@link Policies} view. The processor reads the
 * store in its tasks; the aggregator reads the view, and its version, to apply a changed budget. One definition, so
 * that both name their store, source and updater alike.
 */
public final class TenantPoliciesGlobalStore {

    public static final String STORE = "tenant-policies";
    public static final String SOURCE = "tenant-policies-source";
    public static final String UPDATER = "tenant-policies-updater";

    private TenantPoliciesGlobalStore() {
    }

    /** Adds the store, fed from {@code policies} ({@code platform.tenant-policies}); returns the view kept in step with it. */
    public static Policies addTo(Topology topology, Topic<String, TenantPolicy> policies) {
        Policies view = new Policies();
        MirroredGlobalStore.addTo(topology, STORE, SOURCE, policies, UPDATER, new MirroredGlobalStore.Mirror<>() {
            @Override
            public void put(String tenant, TenantPolicy policy) {
                view.put(tenant, policy);
            }

            @Override
            public void remove(String tenant) {
                view.remove(tenant);
            }
        });
        return view;
    }

    /** The policies in the store, readable from any thread, with a version that moves on every change. */
    public static final class Policies {

        private final Map<String, TenantPolicy> byTenant = new ConcurrentHashMap<>();
        private final AtomicLong version = new AtomicLong();

        /** The tenant's policy, or null if it has none. */
        public TenantPolicy get(String tenant) {
            return byTenant.get(tenant);
        }

        /** Moves on every change: a reader that saw another version knows some policy changed since. */
        public long version() {
            return version.get();
        }

        private void put(String tenant, TenantPolicy policy) {
            byTenant.put(tenant, policy);
            version.incrementAndGet();
        }

        private void remove(String tenant) {
            byTenant.remove(tenant);
            version.incrementAndGet();
        }
    }
}
