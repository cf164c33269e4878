package io.aijobs.testing;

import io.aijobs.contracts.TopicCatalog;
import io.aijobs.contracts.Topics;
import io.aijobs.serde.AvroSerdeConfig;
import io.aijobs.serde.InMemorySchemaRegistryClient;
import java.util.Map;

/** {@link Topics} over an in-memory schema registry that registers on first use: for unit tests, with no stack. */
public final class InMemoryTopics {

    private InMemoryTopics() {
    }

    /** The catalog's topics over a registry of their own. */
    public static Topics of(TopicCatalog catalog) {
        return of(catalog, new InMemorySchemaRegistryClient());
    }

    /** The catalog's topics over {@code registry} (to inspect what was registered, or to share it with a decoder). */
    public static Topics of(TopicCatalog catalog, InMemorySchemaRegistryClient registry) {
        return new Topics(catalog, registry, new AvroSerdeConfig(Map.of(
                AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://in-memory", AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true)));
    }

    /** The default catalog's topics ({@code tenant.}, {@code platform.}, the default retry tiers). */
    public static Topics defaults() {
        return of(TopicCatalog.defaults());
    }
}
