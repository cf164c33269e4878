package io.aijobs.serde;

import java.util.List;
import org.apache.avro.Schema;

/**
 * The subset of the Confluent schema-registry API the platform uses, for Avro schemas.
 *
 * <p>{@link RestSchemaRegistryClient} talks to a real registry (Confluent Schema Registry, or Apicurio Registry's
 * {@code /apis/ccompat/v7}); {@code InMemorySchemaRegistryClient}, in this module's test jar, implements the same
 * rules in memory for unit tests and {@code TopologyTestDriver}. Implementations are thread-safe and cache what cannot change (the schema
 * behind an id, the id of a schema under a subject).
 *
 * <p>Every method throws {@link SchemaRegistryException} for an error answer or an unreachable registry.
 */
public interface SchemaRegistryClient extends AutoCloseable {

    /** Registers {@code schema} under {@code subject} ({@code POST /subjects/{s}/versions}); returns its global id. */
    int register(String subject, Schema schema);

    /** The id of {@code schema} if it is already registered under {@code subject} ({@code POST /subjects/{s}}). */
    RegisteredSchema lookup(String subject, Schema schema);

    /** The schema with global id {@code id} ({@code GET /schemas/ids/{id}}). */
    Schema schemaById(int id);

    /** The latest version under {@code subject} ({@code GET /subjects/{s}/versions/latest}). */
    RegisteredSchema latest(String subject);

    /** All subjects ({@code GET /subjects}). */
    List<String> subjects();

    /**
     * Whether {@code schema} may be registered under {@code subject} given its compatibility level
     * ({@code POST /compatibility/subjects/{s}/versions/latest}). True for a subject that does not exist yet.
     */
    boolean isCompatible(String subject, Schema schema);

    /** The global compatibility level ({@code GET /config}). */
    CompatibilityLevel globalCompatibility();

    /** Sets the global compatibility level ({@code PUT /config}). */
    void setGlobalCompatibility(CompatibilityLevel level);

    /** Sets the compatibility level of one subject ({@code PUT /config/{s}}). */
    void setSubjectCompatibility(String subject, CompatibilityLevel level);

    /** The subject's own compatibility level, or the global one where the subject has none ({@code GET /config/{s}}). */
    CompatibilityLevel subjectCompatibility(String subject);

    @Override
    default void close() {
    }
}
