package io.aijobs.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {

    @TempDir
    Path dir;

    private Path file(String content) throws Exception {
        return Files.writeString(dir.resolve("app.properties"), content);
    }

    @Test
    void shouldApplyOverridesOverTheFile() throws Exception {
        Map<String, Object> config = ConfigFile.load(file("a=1\nb=2\n"), Map.of("b", "3", "c", "4"));

        assertThat(config).containsExactlyInAnyOrderEntriesOf(Map.of("a", "1", "b", "3", "c", "4"));
    }

    @Test
    void shouldResolveSecretsFromTheEnvironmentAPropertiesFileAndASecretsFolder() throws Exception {
        String variable = System.getenv().keySet().stream().filter(name -> name.matches("[A-Z_]+")).findFirst().orElseThrow();
        Files.writeString(dir.resolve("secrets.properties"), "registry=alice:s3cret\n");
        Files.createDirectories(dir.resolve("run-secrets"));
        Files.writeString(dir.resolve("run-secrets").resolve("model-key"), "sk-from-a-file");

        Map<String, Object> config = ConfigFile.load(file(
                "from.env=${env:" + variable + "}\n"
                        + "basic.auth.user.info=${file:" + dir.resolve("secrets.properties") + ":registry}\n"
                        + "model.api.key=${dir:" + dir.resolve("run-secrets") + ":model-key}\n"), Map.of());

        assertThat(config.get("from.env")).isEqualTo(System.getenv(variable));
        assertThat(config.get("basic.auth.user.info")).isEqualTo("alice:s3cret");
        assertThat(config.get("model.api.key")).isEqualTo("sk-from-a-file");
    }

    @Test
    void shouldRefuseALiteralSecretOnTheCommandLineNamingTheKeyButNotTheValueAndAcceptAReference() throws Exception {
        Path config = file("a=1\n");

        assertThatThrownBy(() -> ConfigFile.load(config, Map.of("streams.ssl.truststore.password", "hunter2")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("streams.ssl.truststore.password").hasMessageContaining("never given on the command line")
                .hasMessageNotContaining("hunter2");
        String variable = System.getenv().keySet().stream().filter(name -> name.matches("[A-Z_]+")).findFirst().orElseThrow();
        assertThat(ConfigFile.load(config, Map.of("model.api.key", "${env:" + variable + "}")))
                .as("a reference on the command line is not the secret itself").containsEntry("model.api.key", System.getenv(variable));
    }

    @Test
    void shouldNameTheKeyWhoseReferenceDoesNotResolve() throws Exception {
        Path config = file("model.api.key=${env:NO_SUCH_VARIABLE_OF_AIJOBS}\n");

        assertThatThrownBy(() -> ConfigFile.load(config, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("model.api.key").hasMessageContaining("does not exist");
    }

    @Test
    void shouldKnowWhichKeysAreSecrets() {
        assertThat(ConfigFile.isSecret("streams.sasl.jaas.config")).isTrue();
        assertThat(ConfigFile.isSecret("basic.auth.user.info")).isTrue();
        assertThat(ConfigFile.isSecret("schema.registry.ssl.truststore.password")).isTrue();
        assertThat(ConfigFile.isSecret("model.api.key")).isTrue();
        assertThat(ConfigFile.isSecret("bootstrap.servers")).isFalse();
    }
}
