package io.aijobs.serde;

import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of {@link AvroSerializer} and {@link AvroDeserializer}, given in plain producer, consumer or Streams
 * properties. Keys are Confluent's, so existing client configurations carry over.
 */
public final class AvroSerdeConfig extends AbstractConfig {

    public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
    private static final String SCHEMA_REGISTRY_URL_DOC = "Base URL of a Confluent-compatible schema registry, e.g. "
            + "http://127.0.0.1:8081 or, for Apicurio, http://127.0.0.1:8080/apis/ccompat/v7.";

    public static final String AUTO_REGISTER_SCHEMAS_CONFIG = "auto.register.schemas";
    private static final String AUTO_REGISTER_SCHEMAS_DOC = "Whether the serializer registers the record's schema "
            + "under its subject when it is missing. Off by default: in production, schemas are registered by a "
            + "deliberate step (and checked for compatibility there), and a producer with an unregistered schema "
            + "fails instead of evolving the contract by accident. The dev profile turns it on.";

    public static final String KEY_SUBJECT_NAME_STRATEGY_CONFIG = "key.subject.name.strategy";
    public static final String VALUE_SUBJECT_NAME_STRATEGY_CONFIG = "value.subject.name.strategy";
    private static final String SUBJECT_NAME_STRATEGY_DOC = "topic (TopicNameStrategy: <topic>-key / <topic>-value, "
            + "the default) or record (RecordNameStrategy: the record's full name). Confluent's class names are accepted.";

    public static final String SPECIFIC_AVRO_READER_CONFIG = "specific.avro.reader";
    private static final String SPECIFIC_AVRO_READER_DOC = "When true the deserializer returns the generated class "
            + "named by the writer schema (it must be on the classpath); when false, a GenericRecord. Ignored when "
            + "the deserializer was built for a given class.";

    public static final String REQUEST_TIMEOUT_MS_CONFIG = "schema.registry.request.timeout.ms";
    private static final String REQUEST_TIMEOUT_MS_DOC = "Bound on each request to the schema registry.";

    static final ConfigDef CONFIG = new ConfigDef()
            .define(SCHEMA_REGISTRY_URL_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, SCHEMA_REGISTRY_URL_DOC)
            .define(AUTO_REGISTER_SCHEMAS_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM, AUTO_REGISTER_SCHEMAS_DOC)
            .define(KEY_SUBJECT_NAME_STRATEGY_CONFIG, Type.STRING, "topic", strategyValidator(), Importance.LOW,
                    SUBJECT_NAME_STRATEGY_DOC)
            .define(VALUE_SUBJECT_NAME_STRATEGY_CONFIG, Type.STRING, "topic", strategyValidator(), Importance.LOW,
                    SUBJECT_NAME_STRATEGY_DOC)
            .define(SPECIFIC_AVRO_READER_CONFIG, Type.BOOLEAN, false, Importance.LOW, SPECIFIC_AVRO_READER_DOC)
            .define(REQUEST_TIMEOUT_MS_CONFIG, Type.INT, 10_000, ConfigDef.Range.atLeast(1), Importance.LOW,
                    REQUEST_TIMEOUT_MS_DOC);

    public AvroSerdeConfig(Map<?, ?> props) {
        super(CONFIG, props, false);
    }

    public String schemaRegistryUrl() {
        return getString(SCHEMA_REGISTRY_URL_CONFIG);
    }

    public boolean autoRegisterSchemas() {
        return getBoolean(AUTO_REGISTER_SCHEMAS_CONFIG);
    }

    public SubjectNameStrategy subjectNameStrategy(boolean isKey) {
        return SubjectNameStrategy.parse(getString(isKey ? KEY_SUBJECT_NAME_STRATEGY_CONFIG : VALUE_SUBJECT_NAME_STRATEGY_CONFIG));
    }

    public boolean specificAvroReader() {
        return getBoolean(SPECIFIC_AVRO_READER_CONFIG);
    }

    public int requestTimeoutMs() {
        return getInt(REQUEST_TIMEOUT_MS_CONFIG);
    }

    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    private static ConfigDef.Validator strategyValidator() {
        return (name, value) -> {
            try {
                SubjectNameStrategy.parse((String) value);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, value, e.getMessage());
            }
        };
    }
}
