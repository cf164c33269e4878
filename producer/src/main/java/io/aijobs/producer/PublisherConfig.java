package io.aijobs.producer;

import io.aijobs.contracts.TopicNames;
import io.aijobs.serde.AvroSerdeConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of {@link JobPublisher}. Keys other than the ones defined here are passed to the Kafka producer
 * (for example {@code security.protocol}, {@code linger.ms}), except that idempotence and {@code acks=all} cannot
 * be weakened: a job lost or duplicated by the producer would break the platform's promises, so a config that
 * tries fails at start-up naming the key.
 */
public final class PublisherConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS_CONFIG = ProducerConfig.BOOTSTRAP_SERVERS_CONFIG;
    public static final String SCHEMA_REGISTRY_URL_CONFIG = AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG;
    public static final String AUTO_REGISTER_SCHEMAS_CONFIG = AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG;

    public static final String MAX_INPUT_BYTES_CONFIG = "max.input.bytes";
    private static final String MAX_INPUT_BYTES_DOC = "Largest accepted input (UTF-8 bytes of all message contents "
            + "together); larger jobs are rejected before anything is sent.";

    public static final String TENANT_TOPIC_PREFIX_CONFIG = "tenant.topic.prefix";
    private static final String TENANT_TOPIC_PREFIX_DOC = "Prefix of tenant-facing topics; jobs go to <prefix><tenantId>.jobs.";

    public static final String PLATFORM_TOPIC_PREFIX_CONFIG = "platform.topic.prefix";
    private static final String PLATFORM_TOPIC_PREFIX_DOC = "Prefix of platform-internal topics.";

    private static final ConfigDef CONFIG = new ConfigDef()
            .define(BOOTSTRAP_SERVERS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                    "Kafka bootstrap servers.")
            .define(SCHEMA_REGISTRY_URL_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, "Confluent-compatible schema registry URL.")
            .define(AUTO_REGISTER_SCHEMAS_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM,
                    "Register the JobRequest schema under the topic's subject when missing (dev only; off in production).")
            .define(MAX_INPUT_BYTES_CONFIG, Type.INT, 256 * 1024, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    MAX_INPUT_BYTES_DOC)
            .define(TENANT_TOPIC_PREFIX_CONFIG, Type.STRING, TopicNames.DEFAULT_TENANT_PREFIX, Importance.LOW,
                    TENANT_TOPIC_PREFIX_DOC)
            .define(PLATFORM_TOPIC_PREFIX_CONFIG, Type.STRING, TopicNames.DEFAULT_PLATFORM_PREFIX, Importance.LOW,
                    PLATFORM_TOPIC_PREFIX_DOC);

    public PublisherConfig(Map<?, ?> props) {
        super(CONFIG, props, false);
        requireSetting(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        requireSetting(ProducerConfig.ACKS_CONFIG, "all", "-1");
        try {
            topicNames();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(TENANT_TOPIC_PREFIX_CONFIG, getString(TENANT_TOPIC_PREFIX_CONFIG), e.getMessage());
        }
    }

    private void requireSetting(String key, String... allowed) {
        Object value = originals().get(key);
        if (value != null && !java.util.Arrays.asList(allowed).contains(value.toString().trim().toLowerCase(java.util.Locale.ROOT))) {
            throw new ConfigException(key, value, "job publishing requires " + key + "=" + allowed[0]
                    + " so that no job is lost or written twice");
        }
    }

    public TopicNames topicNames() {
        return new TopicNames(getString(TENANT_TOPIC_PREFIX_CONFIG), getString(PLATFORM_TOPIC_PREFIX_CONFIG));
    }

    public int maxInputBytes() {
        return getInt(MAX_INPUT_BYTES_CONFIG);
    }

    public AvroSerdeConfig serdeConfig() {
        return new AvroSerdeConfig(originals());
    }

    /**
     * Settings for a consumer on the same cluster as the producer (reading dead letters, say): every setting given
     * that a Kafka consumer understands, so the security settings ({@code security.protocol}, {@code sasl.*},
     * {@code ssl.*}) reach it as they reach the producer.
     */
    public Map<String, Object> consumerConfig() {
        Map<String, Object> consumer = new HashMap<>();
        java.util.Set<String> consumerKeys = org.apache.kafka.clients.consumer.ConsumerConfig.configNames();
        originals().forEach((key, value) -> {
            if (consumerKeys.contains(key) && !CONFIG.names().contains(key)) {
                consumer.put(key, value);
            }
        });
        consumer.put(BOOTSTRAP_SERVERS_CONFIG, String.join(",", getList(BOOTSTRAP_SERVERS_CONFIG)));
        return consumer;
    }

    /** The Kafka producer's settings: everything not ours, plus idempotence, acks=all and unbounded retries. */
    public Map<String, Object> producerConfig() {
        Map<String, Object> producer = new HashMap<>(originals());
        for (String own : CONFIG.names()) {
            if (!own.equals(BOOTSTRAP_SERVERS_CONFIG)) {
                producer.remove(own);
            }
        }
        AvroSerdeConfig.configDef().names().forEach(producer::remove);
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.putIfAbsent(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        producer.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        return producer;
    }
}
