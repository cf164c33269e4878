package io.aijobs.processor;

import io.aijobs.contracts.TopicNames;
import io.aijobs.processor.pricing.PriceTable;
import io.aijobs.serde.AvroSerdeConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Configuration of the processor. Unknown or invalid values fail at start-up naming the key. Keys prefixed
 * {@value #STREAMS_PREFIX} are passed to Kafka Streams (e.g. {@code streams.num.stream.threads=2}); the processing
 * guarantee is always {@code exactly_once_v2} and cannot be overridden.
 */
public final class ProcessorConfig extends AbstractConfig {

    public static final String STREAMS_PREFIX = "streams.";

    public static final String APPLICATION_ID_CONFIG = "application.id";
    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL_CONFIG = AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG;
    public static final String AUTO_REGISTER_SCHEMAS_CONFIG = AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG;
    public static final String TENANT_TOPIC_PREFIX_CONFIG = "tenant.topic.prefix";
    public static final String PLATFORM_TOPIC_PREFIX_CONFIG = "platform.topic.prefix";

    public static final String MODEL_BASE_URL_CONFIG = "model.base.url";
    public static final String MODEL_API_KEY_CONFIG = "model.api.key";
    public static final String MODEL_TIMEOUT_MS_CONFIG = "model.timeout.ms";
    public static final String MODEL_CONNECT_TIMEOUT_MS_CONFIG = "model.connect.timeout.ms";

    public static final String MAX_IN_FLIGHT_CONFIG = "max.in.flight";
    public static final String BACKPRESSURE_MAX_BLOCK_MS_CONFIG = "backpressure.max.block.ms";
    public static final String COMPLETION_POLL_INTERVAL_MS_CONFIG = "completion.poll.interval.ms";
    public static final String DEDUP_HORIZON_MS_CONFIG = "dedup.horizon.ms";
    public static final String DEDUP_CLEANUP_INTERVAL_MS_CONFIG = "dedup.cleanup.interval.ms";
    public static final String MAX_INPUT_BYTES_CONFIG = "max.input.bytes";
    public static final String TENANT_DISCOVERY_INTERVAL_MS_CONFIG = "tenant.discovery.interval.ms";

    public static final String PRICING_VERSION_CONFIG = "pricing.version";
    public static final String PRICING_CURRENCY_CONFIG = "pricing.currency";
    public static final String PRICING_MODELS_CONFIG = "pricing.models";
    public static final String PRICING_UNKNOWN_MODEL_POLICY_CONFIG = "pricing.unknown.model.policy";

    public static final String METRICS_PORT_CONFIG = "metrics.port";
    public static final String METRICS_HOST_CONFIG = "metrics.host";
    public static final String METRICS_TENANT_TAG_LIMIT_CONFIG = "metrics.tenant.tag.limit";

    /** What to do with a job whose model has no price. */
    public enum UnknownModelPolicy {
        /** Dead-letter the job (PERMANENT, unknown_model_price) before any call is made. */
        REJECT,
        /** Run it and mark its cost unpriced ({@code priced=false}), counted in a metric: never read as free. */
        UNPRICED
    }

    private static final ConfigDef CONFIG = new ConfigDef()
            .define(APPLICATION_ID_CONFIG, Type.STRING, "aijobs-processor", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Kafka Streams application id: consumer group, transactional ids and internal topic prefix.")
            .define(BOOTSTRAP_SERVERS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH, "Kafka bootstrap servers.")
            .define(SCHEMA_REGISTRY_URL_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, "Confluent-compatible schema registry URL.")
            .define(AUTO_REGISTER_SCHEMAS_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM,
                    "Register output schemas when missing (dev only). In production they are registered beforehand.")
            .define(TENANT_TOPIC_PREFIX_CONFIG, Type.STRING, TopicNames.DEFAULT_TENANT_PREFIX, Importance.LOW,
                    "Prefix of tenant topics; jobs are read from every <prefix><tenant>.jobs.")
            .define(PLATFORM_TOPIC_PREFIX_CONFIG, Type.STRING, TopicNames.DEFAULT_PLATFORM_PREFIX, Importance.LOW,
                    "Prefix of platform topics.")
            .define(MODEL_BASE_URL_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, "OpenAI-compatible API base, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1.")
            .define(MODEL_API_KEY_CONFIG, Type.PASSWORD, null, Importance.HIGH,
                    "Bearer token for the model service. A secret: never logged.")
            .define(MODEL_TIMEOUT_MS_CONFIG, Type.LONG, 60_000L, Range.atLeast(1), Importance.MEDIUM,
                    "Bound on one model call. Longer than the transaction timeout is fine: no transaction waits on a call.")
            .define(MODEL_CONNECT_TIMEOUT_MS_CONFIG, Type.LONG, 5_000L, Range.atLeast(1), Importance.LOW,
                    "Bound on opening a connection to the model service.")
            .define(MAX_IN_FLIGHT_CONFIG, Type.INT, 256, Range.between(1, 100_000), Importance.HIGH,
                    "Most model calls open at once in this instance, across all its tasks and threads.")
            .define(BACKPRESSURE_MAX_BLOCK_MS_CONFIG, Type.LONG, 1_000L, Range.between(0, 5_000), Importance.LOW,
                    "At capacity, how long the stream thread waits for a free call slot before parking the job in the "
                            + "durable start queue. Kept well below the transaction timeout.")
            .define(COMPLETION_POLL_INTERVAL_MS_CONFIG, Type.LONG, 20L, Range.between(1, 1_000), Importance.LOW,
                    "How often the stream thread collects finished calls when no records arrive.")
            .define(DEDUP_HORIZON_MS_CONFIG, Type.LONG, Duration.ofDays(7).toMillis(), Range.atLeast(60_000), Importance.MEDIUM,
                    "How long a finished job is remembered: a resubmission within the horizon is a duplicate; after it, "
                            + "the job runs again.")
            .define(DEDUP_CLEANUP_INTERVAL_MS_CONFIG, Type.LONG, Duration.ofMinutes(10).toMillis(), Range.atLeast(1_000), Importance.LOW,
                    "How often finished jobs older than the horizon are removed from the store.")
            .define(MAX_INPUT_BYTES_CONFIG, Type.INT, 256 * 1024, Range.atLeast(1), Importance.MEDIUM,
                    "Largest accepted input (UTF-8 bytes of all message contents); larger jobs are INVALID.")
            .define(TENANT_DISCOVERY_INTERVAL_MS_CONFIG, Type.LONG, 30_000L, Range.atLeast(1_000), Importance.LOW,
                    "How soon a new tenant's jobs topic is picked up (consumer metadata refresh).")
            .define(PRICING_VERSION_CONFIG, Type.STRING, "dev-1", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Version of the price table, recorded on every cost.")
            .define(PRICING_CURRENCY_CONFIG, Type.STRING, "USD", new ConfigDef.NonEmptyString(), Importance.LOW, "ISO 4217 currency of the prices.")
            .define(PRICING_MODELS_CONFIG, Type.LIST, "", Importance.HIGH,
                    "Prices: model=inputPerMillionTokens:outputPerMillionTokens, comma-separated, e.g. gpt-4o-mini=0.15:0.60.")
            .define(PRICING_UNKNOWN_MODEL_POLICY_CONFIG, Type.STRING, UnknownModelPolicy.UNPRICED.name(),
                    ValidString.in("REJECT", "UNPRICED"), Importance.MEDIUM,
                    "REJECT: dead-letter jobs for models without a price, before any call. UNPRICED: run them and mark the cost unpriced.")
            .define(METRICS_PORT_CONFIG, Type.INT, -1, Range.between(-1, 65_535), Importance.LOW,
                    "Port of the Prometheus scrape endpoint (GET /metrics); -1 disables it, 0 picks a free port.")
            .define(METRICS_HOST_CONFIG, Type.STRING, "127.0.0.1", Importance.LOW, "Address the metrics endpoint binds.")
            .define(METRICS_TENANT_TAG_LIMIT_CONFIG, Type.INT, 100, Range.atLeast(1), Importance.LOW,
                    "Distinct tenant tag values in metrics; further tenants are tagged 'other' so cardinality stays bounded.");

    public ProcessorConfig(Map<?, ?> props) {
        super(CONFIG, props, false);
        try {
            topicNames();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(TENANT_TOPIC_PREFIX_CONFIG, getString(TENANT_TOPIC_PREFIX_CONFIG), e.getMessage());
        }
        try {
            priceTable();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(PRICING_MODELS_CONFIG, getList(PRICING_MODELS_CONFIG), e.getMessage());
        }
        String guarantee = String.valueOf(originals().get(STREAMS_PREFIX + StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        if (originals().containsKey(STREAMS_PREFIX + StreamsConfig.PROCESSING_GUARANTEE_CONFIG)
                && !StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee)) {
            throw new ConfigException(STREAMS_PREFIX + StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee,
                    "the processor only runs with exactly_once_v2");
        }
    }

    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    public TopicNames topicNames() {
        return new TopicNames(getString(TENANT_TOPIC_PREFIX_CONFIG), getString(PLATFORM_TOPIC_PREFIX_CONFIG));
    }

    public PriceTable priceTable() {
        return PriceTable.parse(getString(PRICING_VERSION_CONFIG), getString(PRICING_CURRENCY_CONFIG), getList(PRICING_MODELS_CONFIG));
    }

    public UnknownModelPolicy unknownModelPolicy() {
        return UnknownModelPolicy.valueOf(getString(PRICING_UNKNOWN_MODEL_POLICY_CONFIG).toUpperCase(Locale.ROOT));
    }

    public AvroSerdeConfig serdeConfig() {
        return new AvroSerdeConfig(Map.of(SCHEMA_REGISTRY_URL_CONFIG, getString(SCHEMA_REGISTRY_URL_CONFIG),
                AUTO_REGISTER_SCHEMAS_CONFIG, getBoolean(AUTO_REGISTER_SCHEMAS_CONFIG)));
    }

    public Optional<String> modelApiKey() {
        Password key = getPassword(MODEL_API_KEY_CONFIG);
        return key == null || key.value().isEmpty() ? Optional.empty() : Optional.of(key.value());
    }

    public Duration modelTimeout() {
        return Duration.ofMillis(getLong(MODEL_TIMEOUT_MS_CONFIG));
    }

    public Duration modelConnectTimeout() {
        return Duration.ofMillis(getLong(MODEL_CONNECT_TIMEOUT_MS_CONFIG));
    }

    public int maxInFlight() {
        return getInt(MAX_IN_FLIGHT_CONFIG);
    }

    public Duration backpressureMaxBlock() {
        return Duration.ofMillis(getLong(BACKPRESSURE_MAX_BLOCK_MS_CONFIG));
    }

    public Duration completionPollInterval() {
        return Duration.ofMillis(getLong(COMPLETION_POLL_INTERVAL_MS_CONFIG));
    }

    public Duration dedupHorizon() {
        return Duration.ofMillis(getLong(DEDUP_HORIZON_MS_CONFIG));
    }

    public Duration dedupCleanupInterval() {
        return Duration.ofMillis(getLong(DEDUP_CLEANUP_INTERVAL_MS_CONFIG));
    }

    public int maxInputBytes() {
        return getInt(MAX_INPUT_BYTES_CONFIG);
    }

    /** The Kafka Streams properties: ours, the {@value #STREAMS_PREFIX} overrides, and exactly_once_v2. */
    public Properties streamsProperties() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, getString(APPLICATION_ID_CONFIG));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", getList(BOOTSTRAP_SERVERS_CONFIG)));
        props.put(StreamsConfig.consumerPrefix("metadata.max.age.ms"), getLong(TENANT_DISCOVERY_INTERVAL_MS_CONFIG).intValue());
        Map<String, Object> overrides = new HashMap<>(originalsWithPrefix(STREAMS_PREFIX));
        props.putAll(overrides);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        return props;
    }
}
