package io.aijobs.processor.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicCatalog;
import io.aijobs.contracts.TopicNames;
import io.aijobs.contracts.Topics;
import io.aijobs.serde.InMemorySchemaRegistryClient;
import io.aijobs.testing.InMemoryTopics;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class OutputSchemasTest {

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final Topics topics = InMemoryTopics.of(TopicCatalog.of(TopicNames.defaults()), registry);

    @Test
    void shouldRegisterATenantsResultAndDeadLetterSchemasInTheBackgroundWhenItsFirstJobIsTakenIn() {
        try (OutputSchemas schemas = OutputSchemas.of(topics)) {
            assertThat(registry.subjects()).isEmpty();

            schemas.seen(TenantId.of("acme"));

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(registry.subjects())
                    .containsExactlyInAnyOrder(topics.results(TenantId.of("acme")).name() + "-value",
                            topics.deadLetter(TenantId.of("acme")).name() + "-value"));
        }
    }

    @Test
    void shouldPrepareNothingWhenNoneIsAsked() {
        try (OutputSchemas schemas = OutputSchemas.none()) {
            schemas.seen(TenantId.of("acme"));
        }

        assertThat(registry.subjects()).isEmpty();
    }
}
