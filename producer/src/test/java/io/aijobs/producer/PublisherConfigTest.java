package io.aijobs.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class PublisherConfigTest {

    private static final Map<String, Object> MINIMAL = Map.of(
            "bootstrap.servers", "127.0.0.1:9092", "schema.registry.url", "http://127.0.0.1:8081");

    @Test
    void shouldAlwaysProduceIdempotentlyWithAcksAll() {
        Map<String, Object> producer = new PublisherConfig(MINIMAL).producerConfig();

        assertThat(producer).containsEntry("enable.idempotence", true).containsEntry("acks", "all")
                .doesNotContainKeys("schema.registry.url", "max.input.bytes");
    }

    @Test
    void shouldFailFastNamingTheKeyThatWeakensDelivery() {
        Map<String, Object> weak = new java.util.HashMap<>(MINIMAL);
        weak.put("acks", "1");

        assertThatThrownBy(() -> new PublisherConfig(weak)).isInstanceOf(ConfigException.class).hasMessageContaining("acks");
    }

    @Test
    void shouldFailFastNamingAMissingKey() {
        assertThatThrownBy(() -> new PublisherConfig(Map.of("bootstrap.servers", "127.0.0.1:9092")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.url");
    }
}
