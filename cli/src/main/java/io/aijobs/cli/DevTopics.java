package io.aijobs.cli;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicCatalog;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Creates the catalog's topics of tenants and of the platform where missing, for the dev stack, the demo and the
 * operator commands. Production provisioning (ACLs, quotas, retention per tenant policy) belongs to tenant
 * provisioning, not here.
 */
final class DevTopics {

    private DevTopics() {
    }

    /** Creates what is missing; returns the names created. */
    static List<String> ensure(Admin admin, TopicCatalog catalog, Collection<TenantId> tenants)
            throws InterruptedException, ExecutionException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<NewTopic> missing = catalog.topics(tenants).stream().filter(spec -> !existing.contains(spec.name()))
                .map(spec -> spec.newTopic(java.util.Map.of())).toList();
        if (!missing.isEmpty()) {
            try {
                admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                    throw e;
                }
            }
            io.aijobs.devstack.TopicReadiness.await(admin, missing.stream().map(NewTopic::name).toList(), java.time.Duration.ofSeconds(60));
        }
        return missing.stream().map(NewTopic::name).toList();
    }
}
