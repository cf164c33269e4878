package io.aijobs.devstack;

import java.util.Objects;

/**
 * How clients reach a running stack.
 *
 * @param bootstrapServers  Kafka {@code bootstrap.servers}
 * @param schemaRegistryUrl Confluent-compatible registry base URL ({@code schema.registry.url})
 * @param modelBaseUrl      OpenAI-compatible base URL ending in {@code /v1}, or null when no model stub runs
 */
public record StackEndpoints(String bootstrapServers, String schemaRegistryUrl, String modelBaseUrl) {

    public StackEndpoints {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(schemaRegistryUrl, "schemaRegistryUrl");
    }
}
