package io.aijobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.costs.CostAggregatorConfig;
import io.aijobs.processor.ProcessorConfig;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The example config files under {@code config/} are valid configurations of their application: every key is known
 * and every value valid. Secret references are replaced by a placeholder here (URL-shaped, as model.base.url must be a URL), since the files they name exist only
 * on a deployment's machines.
 */
class ExampleConfigsTest {

    private static final Path CONFIG = Path.of("..", "config");

    private static Map<String, Object> withPlaceholders(String file) throws Exception {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(CONFIG.resolve(file))) {
            properties.load(reader);
        }
        Map<String, Object> config = new HashMap<>();
        properties.forEach((key, value) -> config.put(key.toString(), value.toString()
                .replaceAll("\\$\\{(env|file|dir):[^}]*}", "http://placeholder.invalid")));
        return config;
    }

    @ParameterizedTest
    @ValueSource(strings = {"processor.local.properties", "processor.cluster.properties", "compose/processor.properties"})
    void shouldBeAValidProcessorConfiguration(String file) throws Exception {
        ProcessorConfig config = new ProcessorConfig(withPlaceholders(file));

        assertThat(config.streamsProperties()).containsEntry("processing.guarantee", "exactly_once_v2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"aggregator.local.properties", "aggregator.cluster.properties", "compose/aggregator.properties"})
    void shouldBeAValidAggregatorConfiguration(String file) throws Exception {
        CostAggregatorConfig config = new CostAggregatorConfig(withPlaceholders(file));

        assertThat(config.streamsProperties()).containsEntry("processing.guarantee", "exactly_once_v2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"processor.cluster.properties", "aggregator.cluster.properties", "compose/processor.properties",
            "compose/aggregator.properties", "compose/cli.properties"})
    void shouldHoldNoLiteralSecretInAClusterExample(String file) throws Exception {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(CONFIG.resolve(file))) {
            properties.load(reader);
        }
        properties.forEach((key, value) -> {
            if (io.aijobs.application.ConfigFile.isSecret(key.toString())) {
                assertThat(value.toString()).as(key.toString()).contains("${");
            }
        });
    }
}
