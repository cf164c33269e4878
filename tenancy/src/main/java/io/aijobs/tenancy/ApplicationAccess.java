package io.aijobs.tenancy;

import static io.aijobs.tenancy.TenantProvisioner.allow;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

        /** What the applications need on one tenant's topics. */
        List<AclBinding> perTenantAcls(TopicNames names, TenantId tenant) {
            String processor = "User:" + processorUser;
            List<AclBinding> acls = new ArrayList<>();
            acls.addAll(topic(names.jobs(tenant), processor, AclOperation.READ, AclOperation.DESCRIBE));
            acls.addAll(topic(names.results(tenant), processor, AclOperation.WRITE, AclOperation.DESCRIBE));
            // the failure alerts read the dead letters back
            acls.addAll(topic(names.deadLetter(tenant), processor, AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE));
            acls.addAll(topic(names.tenantAlerts(tenant), processor, AclOperation.WRITE, AclOperation.DESCRIBE));
            acls.addAll(topic(names.tenantAlerts(tenant), "User:" + aggregatorUser, AclOperation.WRITE, AclOperation.DESCRIBE));
            return acls;
        }
    }

    /**
     * Creates the applications' principals (when missing) and their platform-wide ACLs. Idempotent; passwords given
     * are set (so a restarted dev stack can reuse its applications' credentials).
     */
    public static void grant(Admin admin, TopicNames names, Principals principals, String processorPassword, String aggregatorPassword)
            throws InterruptedException, ExecutionException, TimeoutException {
        Scram.upsert(admin, principals.processorUser(), processorPassword, 8192, TIMEOUT);
        Scram.upsert(admin, principals.aggregatorUser(), aggregatorPassword, 8192, TIMEOUT);
        admin.createAcls(platformAcls(names, principals)).all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    static List<AclBinding> platformAcls(TopicNames names, Principals principals) {
        List<AclBinding> acls = new ArrayList<>();
        String processor = "User:" + principals.processorUser();
        acls.addAll(streamsApplication(processor, principals.processorApplicationId()));
        for (String topic : List.of(names.tenantSpend(), names.prices(), names.tenantPolicies(), names.jobEvents(), names.platformDeadLetter())) {
            acls.addAll(topic(topic, processor, AclOperation.READ, AclOperation.DESCRIBE));
        }
        for (String topic : List.of(names.usage(), names.jobEvents(), names.platformDeadLetter(), names.alerts())) {
            acls.addAll(topic(topic, processor, AclOperation.WRITE, AclOperation.DESCRIBE));
        }
        for (String tier : TopicNames.DEFAULT_RETRY_TIERS) {
            acls.addAll(topic(names.retry(tier), processor, AclOperation.WRITE, AclOperation.DESCRIBE));
        }
        String aggregator = "User:" + principals.aggregatorUser();
        acls.addAll(streamsApplication(aggregator, principals.aggregatorApplicationId()));
        for (String topic : List.of(names.usage(), names.prices(), names.tenantPolicies())) {
            acls.addAll(topic(topic, aggregator, AclOperation.READ, AclOperation.DESCRIBE));
        }
        for (String topic : List.of(names.usageAggregates(), names.tenantSpend(), names.alerts())) {
            acls.addAll(topic(topic, aggregator, AclOperation.WRITE, AclOperation.DESCRIBE));
        }
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

    private static List<AclBinding> topic(String topic, String principal, AclOperation... operations) {
        List<AclBinding> acls = new ArrayList<>();
        for (AclOperation operation : operations) {
            acls.add(allow(ResourceType.TOPIC, topic, PatternType.LITERAL, principal, operation));
        }
        return acls;
    }
}
