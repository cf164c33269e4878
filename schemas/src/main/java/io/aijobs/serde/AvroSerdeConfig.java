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

    public static final String BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG = "basic.auth.credentials.source";
    private static final String BASIC_AUTH_CREDENTIALS_SOURCE_DOC = "HTTP basic authentication to the registry: USER_INFO "
            + "takes user:password from basic.auth.user.info; URL takes it from the URL's user info (https://user:pass@host); "
            + "empty: none.";
    public static final String BASIC_AUTH_USER_INFO_CONFIG = "basic.auth.user.info";
    private static final String BASIC_AUTH_USER_INFO_DOC = "user:password for USER_INFO. A secret: reference it as "
            + "${env:NAME} or ${file:PATH:KEY}.";
    public static final String BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG = "bearer.auth.credentials.source";
    private static final String BEARER_AUTH_CREDENTIALS_SOURCE_DOC = "STATIC_TOKEN: send bearer.auth.token as "
            + "'Authorization: Bearer'; empty: none. Not together with basic authentication.";
    public static final String BEARER_AUTH_TOKEN_CONFIG = "bearer.auth.token";
    private static final String BEARER_AUTH_TOKEN_DOC = "The bearer token for STATIC_TOKEN. A secret.";
    public static final String SSL_TRUSTSTORE_LOCATION_CONFIG = "schema.registry.ssl.truststore.location";
    public static final String SSL_TRUSTSTORE_PASSWORD_CONFIG = "schema.registry.ssl.truststore.password";
    public static final String SSL_TRUSTSTORE_TYPE_CONFIG = "schema.registry.ssl.truststore.type";
    public static final String SSL_KEYSTORE_LOCATION_CONFIG = "schema.registry.ssl.keystore.location";
    public static final String SSL_KEYSTORE_PASSWORD_CONFIG = "schema.registry.ssl.keystore.password";
    public static final String SSL_KEYSTORE_TYPE_CONFIG = "schema.registry.ssl.keystore.type";
    public static final String SSL_KEY_PASSWORD_CONFIG = "schema.registry.ssl.key.password";

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
                    REQUEST_TIMEOUT_MS_DOC)
            .define(BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, Type.STRING, "", ConfigDef.ValidString.in("", "USER_INFO", "URL"),
                    Importance.MEDIUM, BASIC_AUTH_CREDENTIALS_SOURCE_DOC)
            .define(BASIC_AUTH_USER_INFO_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, BASIC_AUTH_USER_INFO_DOC)
            .define(BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG, Type.STRING, "", ConfigDef.ValidString.in("", "STATIC_TOKEN"),
                    Importance.MEDIUM, BEARER_AUTH_CREDENTIALS_SOURCE_DOC)
            .define(BEARER_AUTH_TOKEN_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, BEARER_AUTH_TOKEN_DOC)
            .define(SSL_TRUSTSTORE_LOCATION_CONFIG, Type.STRING, "", Importance.MEDIUM,
                    "Trust store of the CAs the registry's HTTPS certificate is checked against; empty: the JVM's.")
            .define(SSL_TRUSTSTORE_PASSWORD_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, "Password of the trust store. A secret.")
            .define(SSL_TRUSTSTORE_TYPE_CONFIG, Type.STRING, "JKS", Importance.LOW, "JKS (which also reads PKCS12 files) or PKCS12.")
            .define(SSL_KEYSTORE_LOCATION_CONFIG, Type.STRING, "", Importance.LOW,
                    "Key store of this client's certificate, for a registry that requires mutual TLS; empty: none.")
            .define(SSL_KEYSTORE_PASSWORD_CONFIG, Type.PASSWORD, null, Importance.LOW, "Password of the key store. A secret.")
            .define(SSL_KEYSTORE_TYPE_CONFIG, Type.STRING, "JKS", Importance.LOW, "JKS (which also reads PKCS12 files) or PKCS12.")
            .define(SSL_KEY_PASSWORD_CONFIG, Type.PASSWORD, null, Importance.LOW,
                    "Password of the key in the key store, when it differs from the store's. A secret.");

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

    /**
     * The registry connection's settings (authentication, TLS) as given, for an application's configuration to carry
     * to {@link RestSchemaRegistryClient#create(AvroSerdeConfig)}.
     */
    public static java.util.Set<String> connectionKeys() {
        return java.util.Set.of(REQUEST_TIMEOUT_MS_CONFIG, BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, BASIC_AUTH_USER_INFO_CONFIG,
                BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG, BEARER_AUTH_TOKEN_CONFIG, SSL_TRUSTSTORE_LOCATION_CONFIG,
                SSL_TRUSTSTORE_PASSWORD_CONFIG, SSL_TRUSTSTORE_TYPE_CONFIG, SSL_KEYSTORE_LOCATION_CONFIG,
                SSL_KEYSTORE_PASSWORD_CONFIG, SSL_KEYSTORE_TYPE_CONFIG, SSL_KEY_PASSWORD_CONFIG);
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
