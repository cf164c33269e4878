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
 */
public record StackEndpoints(String bootstrapServers, String schemaRegistryUrl, String modelBaseUrl, Map<String, String> adminSecurity) {

    public StackEndpoints {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(schemaRegistryUrl, "schemaRegistryUrl");
        adminSecurity = Map.copyOf(adminSecurity == null ? Map.of() : adminSecurity);
    }

    public StackEndpoints(String bootstrapServers, String schemaRegistryUrl, String modelBaseUrl) {
        this(bootstrapServers, schemaRegistryUrl, modelBaseUrl, Map.of());
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
