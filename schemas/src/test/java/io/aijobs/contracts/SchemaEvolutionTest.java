package io.aijobs.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.contracts.ReleasedSchemas.ReleasedSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contracts promise BACKWARD compatibility with every release: a consumer on the current schemas reads everything
 * written with any released one (the registry only checks the latest version; this test checks them all). Each
 * current schema is checked against each of its released versions under {@code src/test/resources/released/}; an
 * incompatible change fails the build here.
 *
 * <p>When releasing: put the contracts added or changed since the last release in a new {@code released/vN} folder
 * and their hashes in {@code released/SHA256SUMS}; never edit a released file (see {@code released/README.md}).
 */
class SchemaEvolutionTest {

    static List<Schema> currentSchemas() {
        return Topics.contractSchemas();
    }

    static Stream<Arguments> currentAndEveryReleasedVersion() {
        return currentSchemas().stream().flatMap(current -> ReleasedSchemas.versionsOf(current.getName()).stream()
                .map(released -> Arguments.of(Named.of(current.getName(), current), released)));
    }

    @ParameterizedTest(name = "{0} reads {1}")
    @MethodSource("currentAndEveryReleasedVersion")
    void shouldReadDataWrittenWithEveryReleasedSchema(Schema current, ReleasedSchema released) {
        SchemaCompatibility.SchemaPairCompatibility result =
                SchemaCompatibility.checkReaderWriterCompatibility(current, released.schema());

        assertThat(result.getType())
                .as("%s reads data written with %s: %s", current.getName(), released, incompatibilities(result))
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    private static List<String> incompatibilities(SchemaCompatibility.SchemaPairCompatibility result) {
        return result.getResult().getIncompatibilities().stream()
                .map(i -> i.getType() + " at " + i.getLocation() + ": " + i.getMessage())
                .toList();
    }

    @ParameterizedTest(name = "{0} since {1}")
    @MethodSource("currentAndEveryReleasedVersion")
    void shouldGiveEveryFieldAddedSinceEachReleaseADefault(Schema current, ReleasedSchema released) {
        Set<String> releasedFields =
                released.schema().getFields().stream().map(Schema.Field::name).collect(Collectors.toSet());

        List<String> addedWithoutDefault = new ArrayList<>();
        for (Schema.Field field : current.getFields()) {
            // A field whose alias names a released field is that field renamed: Avro reads the released data into it.
            boolean wasReleased = releasedFields.contains(field.name()) || field.aliases().stream().anyMatch(releasedFields::contains);
            if (!wasReleased && !field.hasDefaultValue()) {
                addedWithoutDefault.add(field.name());
            }
        }

        assertThat(addedWithoutDefault).as("fields added to %s since %s need defaults", current.getName(), released).isEmpty();
    }

    @Test
    void shouldDetectAnIncompatibleChange() {
        Schema released = ReleasedSchemas.version(1, "JobRequest").schema();
        String withRequiredField = released.toString().replaceFirst("\"fields\":\\[",
                "\"fields\":[{\"name\":\"priority\",\"type\":\"int\"},");
        Schema changed = new Schema.Parser().parse(withRequiredField);

        SchemaCompatibility.SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(changed, released);

        assertThat(result.getType()).isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("currentSchemas")
    void shouldKeepAReleasedCopyOfEveryContract(Schema current) {
        List<ReleasedSchema> versions = ReleasedSchemas.versionsOf(current.getName());

        assertThat(versions).as("released versions of %s (a new contract needs a released copy)", current.getName()).isNotEmpty();
        assertThat(versions).allSatisfy(released -> assertThat(released.schema().getFullName()).isEqualTo(current.getFullName()));
    }

    @Test
    void shouldNameEveryReleasedFileAfterACurrentContract() {
        Set<String> contractFiles = currentSchemas().stream().map(schema -> schema.getName() + ".avsc").collect(Collectors.toSet());

        assertThat(ReleasedSchemas.filesInVersionFolders())
                .as("files in released/vN/ (each is <Contract>.avsc, so that it is checked above)")
                .allSatisfy(file -> assertThat(contractFiles).contains(file.substring(file.indexOf('/') + 1)));
    }
}
