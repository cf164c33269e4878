package io.aijobs.serde;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * A schema registry in memory, for unit tests and {@code TopologyTestDriver}: same API, same error codes, same
 * compatibility rules (checked with Avro's {@link SchemaCompatibility}) as a real one. Identical schema text gets
 * the same global id under every subject, as both Confluent and Apicurio do.
 *
 * <p>Thread-safe. Never use it where a test claims end-to-end behaviour: those talk to a real registry.
 */
public final class InMemorySchemaRegistryClient implements SchemaRegistryClient {

    private final Map<String, Integer> idsByText = new HashMap<>();
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, List<Integer>> versionsBySubject = new TreeMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel;

    public InMemorySchemaRegistryClient(CompatibilityLevel globalLevel) {
        this.globalLevel = globalLevel;
    }

    /** A registry with BACKWARD global compatibility, the level the platform's contracts promise. */
    public InMemorySchemaRegistryClient() {
        this(CompatibilityLevel.BACKWARD);
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        List<Integer> versions = versionsBySubject.getOrDefault(subject, List.of());
        Integer existing = idsByText.get(schema.toString());
        if (existing != null && versions.contains(existing)) {
            return existing;
        }
        if (!isCompatible(subject, schema)) {
            throw new SchemaRegistryException(409, SchemaRegistryException.INCOMPATIBLE_SCHEMA,
                    "Schema being registered is incompatible with an earlier schema for subject '" + subject + "'");
        }
        int id = idsByText.computeIfAbsent(schema.toString(), text -> idsByText.size() + 1);
        schemasById.putIfAbsent(id, schema);
        versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>()).add(id);
        return id;
    }

    @Override
    public synchronized RegisteredSchema lookup(String subject, Schema schema) {
        List<Integer> versions = versionsBySubject.get(subject);
        if (versions == null) {
            throw new SchemaRegistryException(404, SchemaRegistryException.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
        }
        Integer id = idsByText.get(schema.toString());
        if (id == null || !versions.contains(id)) {
            throw new SchemaRegistryException(404, SchemaRegistryException.SCHEMA_NOT_FOUND,
                    "Schema not found under subject '" + subject + "'");
        }
        return new RegisteredSchema(subject, versions.indexOf(id) + 1, id, schemasById.get(id));
    }

    @Override
    public synchronized Schema schemaById(int id) {
        Schema schema = schemasById.get(id);
        if (schema == null) {
            throw new SchemaRegistryException(404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
        }
        return schema;
    }

    @Override
    public synchronized RegisteredSchema latest(String subject) {
        List<Integer> versions = versionsBySubject.get(subject);
        if (versions == null) {
            throw new SchemaRegistryException(404, SchemaRegistryException.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
        }
        int id = versions.get(versions.size() - 1);
        return new RegisteredSchema(subject, versions.size(), id, schemasById.get(id));
    }

    @Override
    public synchronized List<String> subjects() {
        return List.copyOf(versionsBySubject.keySet());
    }

    @Override
    public synchronized boolean isCompatible(String subject, Schema schema) {
        List<Integer> versions = versionsBySubject.getOrDefault(subject, List.of());
        if (versions.isEmpty()) {
            return true;
        }
        CompatibilityLevel level = subjectLevels.getOrDefault(subject, globalLevel);
        boolean transitive = level.name().endsWith("_TRANSITIVE");
        List<Integer> against = transitive ? versions : versions.subList(versions.size() - 1, versions.size());
        for (int id : against) {
            Schema existing = schemasById.get(id);
            if (!compatible(level, schema, existing)) {
                return false;
            }
        }
        return true;
    }

    private static boolean compatible(CompatibilityLevel level, Schema candidate, Schema existing) {
        boolean backward = readable(candidate, existing);
        boolean forward = readable(existing, candidate);
        switch (level) {
            case NONE:
                return true;
            case BACKWARD:
            case BACKWARD_TRANSITIVE:
                return backward;
            case FORWARD:
            case FORWARD_TRANSITIVE:
                return forward;
            default:
                return backward && forward;
        }
    }

    private static boolean readable(Schema reader, Schema writer) {
        return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType()
                == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
    }

    @Override
    public synchronized CompatibilityLevel globalCompatibility() {
        return globalLevel;
    }

    @Override
    public synchronized void setGlobalCompatibility(CompatibilityLevel level) {
        this.globalLevel = level;
    }

    @Override
    public synchronized void setSubjectCompatibility(String subject, CompatibilityLevel level) {
        subjectLevels.put(subject, level);
    }

    @Override
    public synchronized CompatibilityLevel subjectCompatibility(String subject) {
        return subjectLevels.getOrDefault(subject, globalLevel);
    }
}
