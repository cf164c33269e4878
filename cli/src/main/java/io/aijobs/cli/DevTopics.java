package io.aijobs.cli;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicNames;
import io.aijobs.contracts.Topics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Creates the topics of tenants and of the platform where missing, for the dev stack and the demo. Production
 * provisioning (ACLs, quotas, retention per tenant policy) belongs to tenant provisioning, not here.
 */
final class DevTopics {

    static final int PARTITIONS = 3;

    private DevTopics() {
    }

    /** Creates what is missing; returns the names created. */
    static List<String> ensure(Admin admin, TopicNames names, Collection<TenantId> tenants)
            throws InterruptedException, ExecutionException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<NewTopic> missing = new ArrayList<>();
        Set<String> compacted = Set.of(names.prices(), names.usageAggregates(), names.tenantSpend(), names.tenantPolicies());
        for (String topic : Topics.valueSchemasByTopic(names, tenants).keySet()) {
            if (!existing.contains(topic)) {
                NewTopic created = new NewTopic(topic, PARTITIONS, (short) 1);
                if (compacted.contains(topic)) {
                    // latest value per key is the contract: prices, aggregates, spend
                    created.configs(java.util.Map.of("cleanup.policy", "compact"));
                }
                missing.add(created);
            }
        }
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
