package io.aijobs.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.junit.DevStackExtension;
import java.time.Duration;
import java.util.UUID;
import org.apache.avro.Schema;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The registry client against a real registry (Apicurio's Confluent-compatible API) on 127.0.0.1. */
@ExtendWith(DevStackExtension.class)
class RestSchemaRegistryClientIT {

    private RestSchemaRegistryClient client;
    private String subject;
    private Schema v1;

    @BeforeEach
    void setUp(StackEndpoints stack) {
        client = new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10));
        String unique = "R" + UUID.randomUUID().toString().replace("-", "");
        subject = "it-" + unique + "-value";
        v1 = record(unique, "{\"name\":\"a\",\"type\":\"string\"}");
    }

    private static Schema record(String name, String... fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"" + name + "\",\"namespace\":\"it\",\"fields\":["
                + String.join(",", fields) + "]}");
    }

    @Test
    void shouldRegisterLookUpAndFetchById() {
        int id = client.register(subject, v1);

        RegisteredSchema found = client.lookup(subject, v1);
        Schema byId = new RestSchemaRegistryClient(client.baseUrl(), Duration.ofSeconds(10)).schemaById(id);

        assertThat(found.id()).isEqualTo(id);
        assertThat(found.version()).isEqualTo(1);
        assertThat(byId).isEqualTo(v1);
        assertThat(client.latest(subject).id()).isEqualTo(id);
        assertThat(client.subjects()).contains(subject);
    }

    @Test
    void shouldGiveIdenticalSchemaTextTheSameIdUnderEverySubject() {
        int first = client.register(subject, v1);

        int second = client.register(subject.replace("-value", "-other-value"), v1);

        assertThat(second).isEqualTo(first);
    }

    @Test
    void shouldAcceptACompatibleChangeAndRefuseAnIncompatibleOne() {
        client.register(subject, v1);
        Schema withDefault = record(v1.getName(), "{\"name\":\"a\",\"type\":\"string\"}",
                "{\"name\":\"b\",\"type\":\"int\",\"default\":0}");
        Schema withoutDefault = record(v1.getName(), "{\"name\":\"a\",\"type\":\"string\"}", "{\"name\":\"c\",\"type\":\"int\"}");

        assertThat(client.globalCompatibility()).isEqualTo(CompatibilityLevel.BACKWARD);
        assertThat(client.isCompatible(subject, withDefault)).isTrue();
        assertThat(client.isCompatible(subject, withoutDefault)).isFalse();
        assertThat(client.register(subject, withDefault)).isPositive();
        assertThatThrownBy(() -> client.register(subject, withoutDefault))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.isIncompatible()).isTrue();
                    assertThat(e.httpStatus()).isEqualTo(409);
                });
    }

    @Test
    void shouldAnswerConfluentErrorCodesForWhatIsMissing() {
        assertThatThrownBy(() -> client.schemaById(987_654))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.isSchemaNotFound()).isTrue());
        assertThatThrownBy(() -> client.lookup(subject, v1))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.isSubjectNotFound()).isTrue());
        client.register(subject, v1);
        Schema other = record(v1.getName() + "X", "{\"name\":\"z\",\"type\":\"long\"}");
        assertThatThrownBy(() -> client.lookup(subject, other))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.isSchemaNotFound()).isTrue());
    }

    @Test
    void shouldSetASubjectsCompatibilityLevel() {
        client.register(subject, v1);

        client.setSubjectCompatibility(subject, CompatibilityLevel.FULL);

        assertThat(client.subjectCompatibility(subject)).isEqualTo(CompatibilityLevel.FULL);
    }

    @Test
    void shouldReportAnUnreachableRegistryAsRetriable() {
        RestSchemaRegistryClient nowhere = new RestSchemaRegistryClient("http://127.0.0.1:1", Duration.ofSeconds(2));

        assertThatThrownBy(() -> nowhere.schemaById(1))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.isRetriable()).isTrue())
                .hasMessageContaining("unreachable");
    }
}
