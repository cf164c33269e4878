package io.aijobs.tenancy;

import static io.aijobs.tenancy.TenantProvisioner.allow;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicCatalog;
import io.aijobs.contracts.TopicCatalog.Party;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The applications' own principals and the least they need. Platform-wide (here): their internal topics, consumer
 * group and transactional ids under their {@code application.id}, and the platform topics each reads or writes. Per
 * tenant ({@link #perTenantAcls}, granted by {@link TenantProvisioner}): the tenant topics each touches. Nothing is
 * granted on a prefix as wide as {@code tenant.}.
 */
public final class ApplicationAccess {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private ApplicationAccess() {
    }

    /**
     * The applications' SCRAM user names and application ids.
     */
    public record Principals(String processorUser, String processorApplicationId, String aggregatorUser, String aggregatorApplicationId) {

        public static final String DEFAULT_PROCESSOR_USER = "aijobs-processor";
        public static final String DEFAULT_AGGREGATOR_USER = "aijobs-cost-aggregator";

        public Principals {
            Objects.requireNonNull(processorUser, "processorUser");
            Objects.requireNonNull(processorApplicationId, "processorApplicationId");
            Objects.requireNonNull(aggregatorUser, "aggregatorUser");
            Objects.requireNonNull(aggregatorApplicationId, "aggregatorApplicationId");
        }

        public static Principals defaults(String processorApplicationId, String aggregatorApplicationId) {
            return new Principals(DEFAULT_PROCESSOR_USER, processorApplicationId, DEFAULT_AGGREGATOR_USER, aggregatorApplicationId);
        }

        /** What the applications need on one tenant's topics: what each reads and writes there, by the catalog. */
        List<AclBinding> perTenantAcls(TopicCatalog catalog, TenantId tenant) {
            return topicAcls(catalog.tenantTopics(tenant));
        }

        /** READ and DESCRIBE on each topic its application reads, WRITE and DESCRIBE on each it writes. */
        List<AclBinding> topicAcls(List<TopicCatalog.Spec> topics) {
            List<AclBinding> acls = new ArrayList<>();
            for (TopicCatalog.Spec spec : topics) {
                for (Map.Entry<Party, String> application : Map.of(Party.PROCESSOR, "User:" + processorUser,
                        Party.COST_AGGREGATOR, "User:" + aggregatorUser).entrySet()) {
                    List<AclOperation> operations = new ArrayList<>();
                    if (spec.readBy(application.getKey())) {
                        operations.add(AclOperation.READ);
                    }
                    if (spec.writtenBy(application.getKey())) {
                        operations.add(AclOperation.WRITE);
                    }
                    if (!operations.isEmpty()) {
                        operations.add(AclOperation.DESCRIBE);
                        acls.addAll(topic(spec.name(), application.getValue(), operations.toArray(AclOperation[]::new)));
                    }
                }
            }
            return acls;
        }
    }

    /**
     * Creates the applications' principals (when missing) and their platform-wide ACLs. Idempotent; passwords given
     * are set (so a restarted dev stack can reuse its applications' credentials).
     */
    public static void grant(Admin admin, TopicCatalog catalog, Principals principals, String processorPassword, String aggregatorPassword)
            throws InterruptedException, ExecutionException, TimeoutException {
        Scram.upsert(admin, principals.processorUser(), processorPassword, 8192, TIMEOUT);
        Scram.upsert(admin, principals.aggregatorUser(), aggregatorPassword, 8192, TIMEOUT);
        admin.createAcls(platformAcls(catalog, principals)).all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Each application's own resources, and what it reads and writes of the platform's topics (every retry tier included). */
    static List<AclBinding> platformAcls(TopicCatalog catalog, Principals principals) {
        List<AclBinding> acls = new ArrayList<>();
        acls.addAll(streamsApplication("User:" + principals.processorUser(), principals.processorApplicationId()));
        acls.addAll(streamsApplication("User:" + principals.aggregatorUser(), principals.aggregatorApplicationId()));
        acls.addAll(principals.topicAcls(catalog.platformTopics()));
        return acls;
    }

    /** A Kafka Streams application's internal topics, consumer group and transactional ids: all under its application.id. */
    private static List<AclBinding> streamsApplication(String principal, String applicationId) {
        List<AclBinding> acls = new ArrayList<>();
        acls.add(allow(ResourceType.TOPIC, applicationId + "-", PatternType.PREFIXED, principal, AclOperation.ALL));
        acls.add(allow(ResourceType.GROUP, applicationId, PatternType.LITERAL, principal, AclOperation.READ));
        acls.add(allow(ResourceType.GROUP, applicationId, PatternType.LITERAL, principal, AclOperation.DESCRIBE));
        acls.add(allow(ResourceType.TRANSACTIONAL_ID, applicationId + "-", PatternType.PREFIXED, principal, AclOperation.WRITE));
        acls.add(allow(ResourceType.TRANSACTIONAL_ID, applicationId + "-", PatternType.PREFIXED, principal, AclOperation.DESCRIBE));
        return acls;
    }

    static List<AclBinding> topic(String topic, String principal, AclOperation... operations) {
        List<AclBinding> acls = new ArrayList<>();
        for (AclOperation operation : operations) {
            acls.add(allow(ResourceType.TOPIC, topic, PatternType.LITERAL, principal, operation));
        }
        return acls;
    }
}
