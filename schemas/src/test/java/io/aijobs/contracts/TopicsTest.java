package io.aijobs.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aijobs.schema.JobRequest;
import io.aijobs.serde.AvroSerde;
import io.aijobs.serde.AvroSerdeConfig;
import io.aijobs.serde.InMemorySchemaRegistryClient;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class TopicsTest {

    private static final TopicCatalog CATALOG = new TopicCatalog(new TopicNames("t.", "p."), List.of("slow"), 3, (short) 1);
    private final Topics topics = new Topics(CATALOG, new InMemorySchemaRegistryClient(), new AvroSerdeConfig(Map.of(
            AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://topics", AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true)));

    @Test
    void shouldNameEveryTopicOfTheCatalogAndNoOther() {
        TenantId acme = TenantId.of("acme");
        List<String> typed = List.of(topics.jobs(acme).name(), topics.results(acme).name(), topics.deadLetter(acme).name(),
                topics.tenantAlerts(acme).name(), topics.usage().name(), topics.jobEvents().name(), topics.alerts().name(),
                topics.platformDeadLetter().name(), topics.prices().name(), topics.usageAggregates().name(),
                topics.tenantSpend().name(), topics.tenantPolicies().name(), topics.responseCache().name(), topics.retry("slow").name());

        assertThat(typed).containsExactlyInAnyOrderElementsOf(
                CATALOG.topics(List.of(acme)).stream().map(TopicCatalog.Spec::name).collect(Collectors.toList()));
    }

    @Test
    void shouldBindEveryTopicToTheValueSchemaItsCatalogEntryNames() {
        TenantId acme = TenantId.of("acme");
        List<Topic<String, ?>> typed = List.of(topics.jobs(acme), topics.results(acme), topics.deadLetter(acme),
                topics.tenantAlerts(acme), topics.usage(), topics.jobEvents(), topics.alerts(), topics.platformDeadLetter(),
                topics.prices(), topics.usageAggregates(), topics.tenantSpend(), topics.tenantPolicies(), topics.responseCache(),
                topics.retry("slow"));
        Map<String, Schema> catalogSchemas = CATALOG.valueSchemasByTopic(List.of(acme));

        assertThat(typed).hasSameSizeAs(catalogSchemas.keySet());
        for (Topic<String, ?> topic : typed) {
            assertThat(((AvroSerde<?>) topic.valueSerde()).schema()).as(topic.name()).isEqualTo(catalogSchemas.get(topic.name()));
        }
    }

    @Test
    void shouldRefuseARetryTierTheCatalogDoesNotHave() {
        assertThatThrownBy(() -> topics.retry("transient")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'transient' is not a retry tier").hasMessageContaining("[slow]");
    }

    @Test
    void shouldGiveATenantsTopicOfAKindItsPatternMatches() {
        TenantTopics<String, JobRequest> jobs = topics.jobsOfTenants();

        assertThat(jobs.of(TenantId.of("acme"))).isEqualTo(topics.jobs(TenantId.of("acme")));
        assertThat(jobs.pattern().matcher(jobs.name(TenantId.of("acme"))).matches()).isTrue();
        assertThat(jobs.pattern().matcher(topics.results(TenantId.of("acme")).name()).matches()).isFalse();
    }

    @Test
    void shouldWriteAValueTheTopicsDeserializerReadsBack() {
        Topic<String, JobRequest> jobs = topics.jobs(TenantId.of("acme"));
        JobRequest job = SampleJobs.job("j-1", "acme");

        assertThat(jobs.valueSerde().deserializer().deserialize(jobs.name(), jobs.serializeValue(job))).isEqualTo(job);
    }
}
