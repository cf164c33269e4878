package io.aijobs.application;

import io.aijobs.contracts.TopicCatalog;
import io.aijobs.contracts.TopicNames;
import io.aijobs.serde.AvroSerdeConfig;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * What the configuration of every Kafka Streams application of the platform shares: the keys every one has
 * ({@code application.id}, {@code bootstrap.servers}, {@code schema.registry.url}, {@code auto.register.schemas}, the
 * topic prefixes), the {@value #STREAMS_PREFIX} pass-through to Kafka Streams, and the checks made at start:
 *
 * <ul>
 *   <li>a key that is neither defined nor under {@value #STREAMS_PREFIX} is refused, naming it (a misspelt key would
 *       otherwise be ignored and its default used in silence);
 *   <li>the processing guarantee is {@code exactly_once_v2} and cannot be overridden;
 *   <li>the topic prefixes form valid {@link TopicNames}.
 * </ul>
 *
 * A subclass adds its own keys to {@link #baseConfigDef} and validates them in its constructor.
 */
public abstract class StreamsAppConfig extends AbstractConfig {

    /** Keys under this prefix go to Kafka Streams as they are, without it (e.g. {@code streams.num.stream.threads=2}). */
    public static final String STREAMS_PREFIX = "streams.";
    /**
     * Both applications' consumer session timeout: the brokers' smallest by default
     * ({@code group.min.session.timeout.ms}); {@code streams.consumer.session.timeout.ms} overrides it.
     */
    public static final int SESSION_TIMEOUT_MS = 6_000;
    /** Both applications' consumer heartbeat interval, a third of the session timeout; {@code streams.consumer.heartbeat.interval.ms} overrides it. */
    public static final int HEARTBEAT_INTERVAL_MS = 2_000;

    public static final String APPLICATION_ID_CONFIG = "application.id";
    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL_CONFIG = AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG;
    public static final String AUTO_REGISTER_SCHEMAS_CONFIG = AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG;
    public static final String TENANT_TOPIC_PREFIX_CONFIG = "tenant.topic.prefix";
    public static final String PLATFORM_TOPIC_PREFIX_CONFIG = "platform.topic.prefix";
    public static final String STARTUP_TIMEOUT_MS_CONFIG = "startup.timeout.ms";

    private final String application;

    /**
     * @param application the application's name in error messages ("the processor")
     */
    protected StreamsAppConfig(ConfigDef definition, Map<?, ?> props, String application) {
        super(definition, props, false);
        this.application = application;
        rejectUnknownKeys(definition);
        try {
            topicNames();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(TENANT_TOPIC_PREFIX_CONFIG, getString(TENANT_TOPIC_PREFIX_CONFIG), e.getMessage());
        }
        Object guarantee = originals().get(STREAMS_PREFIX + StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
        if (guarantee != null && !StreamsConfig.EXACTLY_ONCE_V2.equals(String.valueOf(guarantee).trim())) {
            throw new ConfigException(STREAMS_PREFIX + StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee,
                    application + " only runs with exactly_once_v2");
        }
    }

    /** The keys every application has; {@code defaultApplicationId} is the application's own default id. */
    protected static ConfigDef baseConfigDef(String defaultApplicationId) {
        ConfigDef definition = new ConfigDef();
        // the registry's authentication and TLS, as Confluent's clients name them (basic.auth.*, schema.registry.ssl.*)
        ConfigDef serde = AvroSerdeConfig.configDef();
        AvroSerdeConfig.connectionKeys().forEach(key -> definition.define(serde.configKeys().get(key)));
        return definition
                .define(APPLICATION_ID_CONFIG, Type.STRING, defaultApplicationId, new ConfigDef.NonEmptyString(), Importance.HIGH,
                        "Kafka Streams application id: consumer group, transactional ids and internal topic prefix.")
                .define(BOOTSTRAP_SERVERS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH, "Kafka bootstrap servers.")
                .define(SCHEMA_REGISTRY_URL_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                        Importance.HIGH, "Confluent-compatible schema registry URL.")
                .define(AUTO_REGISTER_SCHEMAS_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM,
                        "Register output schemas when missing (dev only). In production they are registered beforehand.")
                .define(TENANT_TOPIC_PREFIX_CONFIG, Type.STRING, TopicNames.DEFAULT_TENANT_PREFIX, Importance.LOW,
                        "Prefix of tenant topics: <prefix><tenant>.jobs, ...")
                .define(PLATFORM_TOPIC_PREFIX_CONFIG, Type.STRING, TopicNames.DEFAULT_PLATFORM_PREFIX, Importance.LOW,
                        "Prefix of platform topics.")
                .define(STARTUP_TIMEOUT_MS_CONFIG, Type.LONG, 30_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
                        "How long the start waits for the cluster and the schema registry to answer before it fails, naming "
                                + "which did not.");
    }

    /**
     * Whether {@code key}, which the application's {@code ConfigDef} does not define, is one of its keys all the same:
     * a key under a name the configuration lists (e.g. {@code model.endpoint.NAME.base.url}). Called from the
     * constructor, after parsing: it may read this configuration's values, not the subclass's fields.
     */
    protected boolean isNamedKey(String key) {
        return false;
    }

    private void rejectUnknownKeys(ConfigDef definition) {
        for (String key : new TreeSet<>(originals().keySet())) {
            if (!definition.names().contains(key) && !key.startsWith(STREAMS_PREFIX) && !isNamedKey(key)) {
                throw new ConfigException(key, "(not shown)", "unknown key of " + application + "'s configuration: "
                        + "check its spelling, or pass it to Kafka Streams as " + STREAMS_PREFIX + key);
            }
        }
    }

    public java.time.Duration startupTimeout() {
        return java.time.Duration.ofMillis(getLong(STARTUP_TIMEOUT_MS_CONFIG));
    }

    public TopicNames topicNames() {
        return new TopicNames(getString(TENANT_TOPIC_PREFIX_CONFIG), getString(PLATFORM_TOPIC_PREFIX_CONFIG));
    }

    /** The topics of this deployment: its prefixes, with the default retry tiers unless the application has its own. */
    public TopicCatalog topicCatalog() {
        return TopicCatalog.of(topicNames());
    }

    /** The serde's settings: the registry URL, its authentication and TLS, and whether schemas are registered. */
    public AvroSerdeConfig serdeConfig() {
        Map<String, Object> serde = new java.util.HashMap<>();
        originals().forEach((key, value) -> {
            if (AvroSerdeConfig.connectionKeys().contains(key)) {
                serde.put(key, value);
            }
        });
        serde.put(SCHEMA_REGISTRY_URL_CONFIG, getString(SCHEMA_REGISTRY_URL_CONFIG));
        serde.put(AUTO_REGISTER_SCHEMAS_CONFIG, getBoolean(AUTO_REGISTER_SCHEMAS_CONFIG));
        return new AvroSerdeConfig(serde);
    }

    /**
     * The Kafka Streams properties, in order of precedence from lowest: what every application sets (the
     * application id and servers, {@link PlatformRecordExceptionHandler}, {@link BoundedRocksDbConfig}, a consumer
     * session timeout of {@value #SESSION_TIMEOUT_MS} ms with a heartbeat every {@value #HEARTBEAT_INTERVAL_MS} ms), then
     * {@code defaults} of the application, then the {@value #STREAMS_PREFIX} keys given, and last
     * {@code exactly_once_v2}, which nothing overrides.
     */
    protected Properties streamsProperties(Map<String, Object> defaults) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, getString(APPLICATION_ID_CONFIG));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", getList(BOOTSTRAP_SERVERS_CONFIG)));
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, PlatformRecordExceptionHandler.class.getName());
        // one memory budget for all RocksDB stores of the process, unless the deployment brings its own
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbConfig.class.getName());
        // an instance that dies without leaving (kill -9, a lost host) gives its tasks up after this, not after the
        // client's default 45 s (the reliability suite measures it); 6 s is the brokers' default minimum
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), SESSION_TIMEOUT_MS);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), HEARTBEAT_INTERVAL_MS);
        props.putAll(defaults);
        props.putAll(originalsWithPrefix(STREAMS_PREFIX));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        return props;
    }
}
