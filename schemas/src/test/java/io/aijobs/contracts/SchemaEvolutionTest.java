package io.aijobs.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contracts promise BACKWARD compatibility: a consumer on the current schemas reads everything written with the
 * last released ones. Each current schema is checked against its released copy under
 * {@code src/test/resources/released/}; an incompatible change fails the build here.
 *
 * <p>When releasing: copy the current schemas to a new {@code released/vN} folder and point {@link #RELEASED} to it.
 */
class SchemaEvolutionTest {

    private static final String RELEASED = "/released/v1/";

    static List<Schema> currentSchemas() {
        return Topics.contractSchemas();
    }

    private static Schema released(String name) throws IOException {
        try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream(RELEASED + name + ".avsc")) {
            assertThat(in).as("released schema of %s (a new contract needs a released copy)", name).isNotNull();
            return new Schema.Parser().parse(in);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("currentSchemas")
    void shouldReadDataWrittenWithTheReleasedSchema(Schema current) throws IOException {
        Schema released = released(current.getName());

        SchemaCompatibility.SchemaPairCompatibility result =
                SchemaCompatibility.checkReaderWriterCompatibility(current, released);

        assertThat(result.getType()).as(result.getDescription()).isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("currentSchemas")
    void shouldGiveEveryAddedFieldADefault(Schema current) throws IOException {
        Schema released = released(current.getName());
        Set<String> releasedFields = released.getFields().stream().map(Schema.Field::name).collect(Collectors.toSet());

        List<String> addedWithoutDefault = new ArrayList<>();
        for (Schema.Field field : current.getFields()) {
            if (!releasedFields.contains(field.name()) && !field.hasDefaultValue()) {
                addedWithoutDefault.add(field.name());
            }
        }

        assertThat(addedWithoutDefault).as("fields added to %s since the release need defaults", current.getName()).isEmpty();
    }

    @Test
    void shouldDetectAnIncompatibleChange() throws IOException {
        Schema released = released("JobRequest");
        String withRequiredField = released.toString().replaceFirst("\"fields\":\\[",
                "\"fields\":[{\"name\":\"priority\",\"type\":\"int\"},");
        Schema changed = new Schema.Parser().parse(withRequiredField);

        SchemaCompatibility.SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(changed, released);

        assertThat(result.getType()).isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    @Test
    void shouldKeepAReleasedCopyOfEveryContract() throws IOException {
        for (Schema schema : currentSchemas()) {
            assertThat(released(schema.getName()).getFullName()).isEqualTo(schema.getFullName());
        }
    }
}
