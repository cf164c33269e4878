package io.aijobs.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopicNamesTest {

    private final TopicNames names = TopicNames.defaults();

    @Test
    void shouldNameTenantTopicsUnderTheTenantPrefix() {
        TenantId acme = TenantId.of("acme");

        assertThat(names.jobs(acme)).isEqualTo("tenant.acme.jobs");
        assertThat(names.results(acme)).isEqualTo("tenant.acme.results");
        assertThat(names.deadLetter(acme)).isEqualTo("tenant.acme.dlt");
        assertThat(names.tenantAlerts(acme)).isEqualTo("tenant.acme.alerts");
        assertThat(names.tenantAclPrefix(acme)).isEqualTo("tenant.acme.");
    }

    @Test
    void shouldNamePlatformTopicsUnderThePlatformPrefix() {
        assertThat(names.usage()).isEqualTo("platform.usage");
        assertThat(names.jobEvents()).isEqualTo("platform.job-events");
        assertThat(names.alerts()).isEqualTo("platform.alerts");
        assertThat(names.platformDeadLetter()).isEqualTo("platform.dlt");
        assertThat(names.retry("30s")).isEqualTo("platform.retry.30s");
    }

    @Test
    void shouldKeepOneTenantsAclPrefixFromCoveringAnother() {
        String acme = names.tenantAclPrefix(TenantId.of("acme"));

        assertThat(names.jobs(TenantId.of("acme-2"))).doesNotStartWith(acme);
        assertThat(names.jobs(TenantId.of("acmeco"))).doesNotStartWith(acme);
    }

    @Test
    void shouldFindTheTenantOfAJobsTopicAndNothingElse() {
        assertThat(names.tenantOf("tenant.acme-2.jobs", TopicNames.TenantTopic.JOBS)).contains(TenantId.of("acme-2"));
        assertThat(names.tenantOf("tenant.acme.results", TopicNames.TenantTopic.JOBS)).isEmpty();
        assertThat(names.tenantOf("tenant.a.b.jobs", TopicNames.TenantTopic.JOBS)).isEmpty();
        for (String notOne : List.of("tenant.jobs", "tenant..jobs", "tenant.acmejobs", "tenant.acme.jobsx", "tenant.Acme.jobs",
                "tenant.-acme.jobs", "platform.acme.jobs", "xtenant.acme.jobs", "tenant.acme_x.jobs")) {
            assertThat(names.tenantOf(notOne, TopicNames.TenantTopic.JOBS)).as(notOne).isEmpty();
            assertThat(names.jobsPattern().matcher(notOne).matches()).as(notOne).isFalse();
        }
        assertThat(names.jobsPattern().matcher("tenant.acme.jobs").matches()).isTrue();
        assertThat(names.jobsPattern().matcher("platform.acme.jobs").matches()).isFalse();
    }

    @Test
    void shouldRejectTenantIdsThatBreakTopicIsolation() {
        assertThatThrownBy(() -> TenantId.of("a.b")).hasMessageContaining("no dots");
        assertThatThrownBy(() -> TenantId.of("a_b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TenantId.of("Acme")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TenantId.of("-acme")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TenantId.of("")).isInstanceOf(IllegalArgumentException.class);
        assertThat(TenantId.of("a").value()).isEqualTo("a");
    }

    @Test
    void shouldRejectPrefixesThatOverlapOrLackTheSeparator() {
        assertThatThrownBy(() -> new TopicNames("tenant", "platform.")).hasMessageContaining("ending with '.'");
        assertThatThrownBy(() -> new TopicNames("x.", "x.")).hasMessageContaining("must not contain one another");
        assertThat(new TopicNames("it1.tenant.", "it1.platform.").jobs(TenantId.of("a"))).isEqualTo("it1.tenant.a.jobs");
    }
}
