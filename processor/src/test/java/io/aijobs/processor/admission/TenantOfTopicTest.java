package io.aijobs.processor.admission;

import static io.aijobs.processor.admission.AdmissionFixtures.ACME;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.contracts.TopicNames;
import io.aijobs.schema.FailureCategory;
import org.junit.jupiter.api.Test;

class TenantOfTopicTest {

    private final TenantOfTopic tenantOfTopic = new TenantOfTopic(TopicNames.defaults());

    @Test
    void shouldFindTheTenantOfItsJobsTopic() {
        assertThat(tenantOfTopic.tenantOf(new Arrival("tenant.acme.jobs", 0, "j-1", new byte[0], null, 0))).contains(ACME);
    }

    @Test
    void shouldFindNoTenantForAnyOtherTopic() {
        assertThat(tenantOfTopic.tenantOf(new Arrival("tenant.acme.results", 0, "j-1", new byte[0], null, 0))).isEmpty();
        assertThat(tenantOfTopic.tenantOf(new Arrival("platform.usage", 0, "j-1", new byte[0], null, 0))).isEmpty();
    }

    @Test
    void shouldRejectARecordOnAnUnknownTopicAsPoison() {
        assertThat(TenantOfTopic.unknownTopic().category()).isEqualTo(FailureCategory.POISON);
        assertThat(TenantOfTopic.unknownTopic().errorType()).isEqualTo("unknown_topic");
    }
}
