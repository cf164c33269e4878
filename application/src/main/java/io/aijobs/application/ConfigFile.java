package io.aijobs.application;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigTransformer;
import org.apache.kafka.common.config.ConfigTransformerResult;
import org.apache.kafka.common.config.provider.ConfigProvider;
import org.apache.kafka.common.config.provider.DirectoryConfigProvider;
import org.apache.kafka.common.config.provider.EnvVarConfigProvider;
import org.apache.kafka.common.config.provider.FileConfigProvider;

/**
 * An application's configuration file: Java properties, then {@code key=value} overrides, then secrets resolved from
 * where they live, with Kafka's own config providers, always available:
 *
 * <ul>
 *   <li>{@code ${env:NAME}}: the environment variable {@code NAME};
 *   <li>{@code ${file:/path/to/secrets.properties:key}}: the value of {@code key} in that properties file;
 *   <li>{@code ${dir:/run/secrets:name}}: the content of the file {@code name} in that folder (Kubernetes and Docker
 *       secrets).
 * </ul>
 *
 * Secrets never come from the command line: an override of a secret key (a password, a JAAS configuration, the
 * registry's credentials, the model API key) that is not a reference like the above is refused. A reference to a
 * variable or file that does not exist fails, naming the key.
 */
public final class ConfigFile {

    /** Keys (or key endings) whose values are secrets. */
    private static final List<String> SECRET_KEY_ENDINGS = List.of("password", "sasl.jaas.config", "basic.auth.user.info",
            "bearer.auth.token", "api.key", "secret");

    private ConfigFile() {
    }

    /** Whether {@code key} holds a secret, which never appears on a command line or in a log. */
    public static boolean isSecret(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        return SECRET_KEY_ENDINGS.stream().anyMatch(lower::endsWith);
    }

    /**
     * The file's properties, with {@code overrides} over them, references resolved.
     *
     * @throws IOException if the file cannot be read
     * @throws ConfigException naming the key, when an override puts a literal secret on the command line, or a
     *                         reference cannot be resolved
     */
    public static Map<String, Object> load(Path file, Map<String, String> overrides) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        }
        Map<String, String> raw = new LinkedHashMap<>();
        properties.forEach((key, value) -> raw.put(key.toString().trim(), value.toString().trim()));
        overrides.forEach((key, value) -> {
            if (isSecret(key) && !value.trim().startsWith("${")) {
                throw new ConfigException(key, "(not shown)", "a secret is never given on the command line: put it in the "
                        + "config file, or reference it as ${env:NAME}, ${file:PATH:KEY} or ${dir:PATH:NAME}");
            }
            raw.put(key, value);
        });
        return resolve(raw);
    }

    /** {@code raw} with every {@code ${provider:[path:]key}} reference replaced. */
    public static Map<String, Object> resolve(Map<String, String> raw) {
        Map<String, ConfigProvider> providers = new HashMap<>();
        providers.put("env", configured(new EnvVarConfigProvider()));
        providers.put("file", configured(new FileConfigProvider()));
        providers.put("dir", configured(new DirectoryConfigProvider()));
        try {
            ConfigTransformerResult result;
            try {
                result = new ConfigTransformer(providers).transform(raw);
            } catch (ConfigException e) {
                throw new ConfigException("a ${file:...} or ${dir:...} reference cannot be read: " + e.getMessage());
            }
            Map<String, Object> resolved = new LinkedHashMap<>(result.data());
            for (Map.Entry<String, Object> entry : resolved.entrySet()) {
                String value = String.valueOf(entry.getValue());
                if (value.contains("${env:") || value.contains("${file:") || value.contains("${dir:")) {
                    throw new ConfigException(entry.getKey(), "(not shown)", "the reference in it names a variable or file "
                            + "that does not exist");
                }
            }
            return resolved;
        } finally {
            providers.values().forEach(provider -> {
                try {
                    provider.close();
                } catch (IOException e) {
                    // nothing held open
                }
            });
        }
    }

    private static ConfigProvider configured(ConfigProvider provider) {
        provider.configure(Map.of());
        return provider;
    }
}
