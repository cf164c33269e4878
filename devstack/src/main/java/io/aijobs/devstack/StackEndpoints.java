package io.aijobs.devstack;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How clients reach a running stack.
 *
 * @param bootstrapServers  Kafka {@code bootstrap.servers}
 * @param schemaRegistryUrl Confluent-compatible registry base URL ({@code schema.registry.url})
 * @param modelBaseUrl      OpenAI-compatible base URL ending in {@code /v1}, or null when no model stub runs
 * @param adminSecurity     client properties of the broker's super user on a secure stack (security.protocol, sasl.*);
 *                          empty on a plaintext stack
 * @param registryAdmin     registry client properties of the registry's operator, who registers and deletes
 *                          ({@code basic.auth.*}); empty when the registry has no authentication
 * @param registryReader    registry client properties of the principal that applications and tenants read schemas as;
 *                          empty when the registry has no authentication
 */
public record StackEndpoints(String bootstrapServers, String schemaRegistryUrl, String modelBaseUrl, Map<String, String> adminSecurity,
                             Map<String, String> registryAdmin, Map<String, String> registryReader) {

    public StackEndpoints {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(schemaRegistryUrl, "schemaRegistryUrl");
        adminSecurity = Map.copyOf(adminSecurity == null ? Map.of() : adminSecurity);
        registryAdmin = Map.copyOf(registryAdmin == null ? Map.of() : registryAdmin);
        registryReader = Map.copyOf(registryReader == null ? Map.of() : registryReader);
    }

    public StackEndpoints(String bootstrapServers, String schemaRegistryUrl, String modelBaseUrl, Map<String, String> adminSecurity) {
        this(bootstrapServers, schemaRegistryUrl, modelBaseUrl, adminSecurity, Map.of(), Map.of());
    }

    public StackEndpoints(String bootstrapServers, String schemaRegistryUrl, String modelBaseUrl) {
        this(bootstrapServers, schemaRegistryUrl, modelBaseUrl, Map.of());
    }

    /** {@code schema.registry.url} plus the registry operator's credentials: for provisioning and schema registration. */
    public Map<String, Object> registryAdminConfig() {
        Map<String, Object> config = new HashMap<>(registryAdmin);
        config.put("schema.registry.url", schemaRegistryUrl);
        return config;
    }

    /** {@code schema.registry.url} plus the read-only principal's credentials: for applications and tenants. */
    public Map<String, Object> registryReaderConfig() {
        Map<String, Object> config = new HashMap<>(registryReader);
        config.put("schema.registry.url", schemaRegistryUrl);
        return config;
    }

    public boolean secure() {
        return !adminSecurity.isEmpty();
    }

    /** {@code bootstrap.servers} plus the super user's security properties: for provisioning, not for applications. */
    public Map<String, Object> adminClientConfig() {
        Map<String, Object> config = new HashMap<>(adminSecurity);
        config.put("bootstrap.servers", bootstrapServers);
        return config;
    }

    @Override
    public String toString() {
        // never print the credentials
        return "StackEndpoints[bootstrapServers=" + bootstrapServers + ", schemaRegistryUrl=" + schemaRegistryUrl + ", modelBaseUrl="
                + modelBaseUrl + ", secure=" + secure() + "]";
    }
}
