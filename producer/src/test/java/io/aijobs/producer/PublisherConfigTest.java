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

    @Test
    void shouldGiveTheConsumerOfDeadLettersTheSameSecuritySettingsAsTheProducer() {
        Map<String, Object> secure = new java.util.HashMap<>(MINIMAL);
        secure.put("security.protocol", "SASL_SSL");
        secure.put("sasl.mechanism", "SCRAM-SHA-512");
        secure.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";");
        secure.put("ssl.truststore.location", "/etc/truststore.p12");
        secure.put("acks", "all");

        Map<String, Object> consumer = new PublisherConfig(secure).consumerConfig();

        assertThat(consumer).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("sasl.jaas.config", secure.get("sasl.jaas.config"))
                .containsEntry("ssl.truststore.location", "/etc/truststore.p12")
                .containsEntry("bootstrap.servers", "127.0.0.1:9092")
                .doesNotContainKeys("acks", "schema.registry.url", "max.input.bytes");
    }
}
