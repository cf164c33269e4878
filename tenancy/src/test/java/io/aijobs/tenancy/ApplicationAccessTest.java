package io.aijobs.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicCatalog;
import io.aijobs.contracts.TopicNames;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/** The applications' ACLs as the catalog derives them; {@code IsolationIT} shows them enforced on a secure broker. */
class ApplicationAccessTest {

    private static final ApplicationAccess.Principals APPS = ApplicationAccess.Principals.defaults("proc-app", "agg-app");
    private static final TenantId ACME = TenantId.of("acme");

    /** "User:x OPERATION topic" for every topic binding. */
    private static Set<String> topicGrants(List<AclBinding> acls) {
        return acls.stream().filter(acl -> acl.pattern().resourceType() == ResourceType.TOPIC)
                .map(acl -> acl.entry().principal() + " " + acl.entry().operation() + " " + acl.pattern().name())
                .collect(Collectors.toSet());
    }

    @Test
    void shouldGrantTheApplicationsExactlyWhatTheyReadAndWriteOfThePlatformsTopics() {
        Set<String> grants = topicGrants(ApplicationAccess.platformAcls(TopicCatalog.defaults(), APPS));

        String processor = "User:aijobs-processor ";
        String aggregator = "User:aijobs-cost-aggregator ";
        assertThat(grants).contains(
                processor + "READ platform.tenant-spend", processor + "READ platform.prices", processor + "READ platform.tenant-policies",
                processor + "READ platform.job-events", processor + "READ platform.dlt",
                processor + "WRITE platform.usage", processor + "WRITE platform.job-events", processor + "WRITE platform.dlt",
                processor + "WRITE platform.alerts", processor + "WRITE platform.retry.transient", processor + "WRITE platform.retry.rate-limited",
                aggregator + "READ platform.usage", aggregator + "READ platform.prices", aggregator + "READ platform.tenant-policies",
                aggregator + "WRITE platform.usage-aggregates", aggregator + "WRITE platform.tenant-spend", aggregator + "WRITE platform.alerts");
        assertThat(grants).doesNotContain(processor + "WRITE platform.tenant-policies", processor + "WRITE platform.prices",
                processor + "WRITE platform.tenant-spend", aggregator + "WRITE platform.tenant-policies", aggregator + "READ platform.job-events");
    }

    @Test
    void shouldGrantTheApplicationsTheirPartOfATenantsTopics() {
        Set<String> grants = topicGrants(APPS.perTenantAcls(TopicCatalog.defaults(), ACME));

        assertThat(grants.stream().filter(grant -> !grant.contains(" DESCRIBE "))).containsExactlyInAnyOrder(
                "User:aijobs-processor READ tenant.acme.jobs", "User:aijobs-processor WRITE tenant.acme.results",
                "User:aijobs-processor READ tenant.acme.dlt", "User:aijobs-processor WRITE tenant.acme.dlt",
                "User:aijobs-processor WRITE tenant.acme.alerts", "User:aijobs-cost-aggregator WRITE tenant.acme.alerts");
    }

    @Test
    void shouldFollowConfiguredPrefixesAndRetryTiersIntoTheAcls() {
        TopicCatalog catalog = new TopicCatalog(new TopicNames("x1.tenant.", "x1.platform."), List.of("slow"), 3, (short) 1);

        Set<String> grants = topicGrants(ApplicationAccess.platformAcls(catalog, APPS));
        grants.addAll(topicGrants(APPS.perTenantAcls(catalog, ACME)));

        assertThat(grants).contains("User:aijobs-processor WRITE x1.platform.retry.slow", "User:aijobs-processor READ x1.tenant.acme.jobs")
                .noneMatch(grant -> grant.endsWith(" platform.retry.transient") || grant.contains(" tenant.acme."));
    }
}
