package io.aijobs.serde;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Base64;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * How to reach a schema registry, from {@link AvroSerdeConfig}: its URL without credentials, the {@code Authorization}
 * header (HTTP basic or bearer, as Confluent's clients configure them), and the TLS context (a trust store of the
 * registry's CA, and a key store for mutual TLS). Credentials never appear in {@link #toString()} or in errors.
 */
record RegistryConnection(String baseUrl, Optional<String> authorization, Optional<SSLContext> sslContext) {

    @Override
    public String toString() {
        return "RegistryConnection[" + baseUrl + (authorization.isPresent() ? ", authenticated" : "") + "]";
    }

    static RegistryConnection from(AvroSerdeConfig config) {
        URI url = URI.create(config.schemaRegistryUrl().trim());
        String userInfo = url.getRawUserInfo();
        String baseUrl = userInfo == null ? url.toString() : url.toString().replace(userInfo + "@", "");
        String basic = config.getString(AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG);
        String bearer = config.getString(AvroSerdeConfig.BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG);
        if (!basic.isEmpty() && !bearer.isEmpty()) {
            throw new ConfigException(AvroSerdeConfig.BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG, bearer,
                    "basic and bearer authentication exclude each other; " + AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG
                            + " is set too");
        }
        Optional<String> authorization = Optional.empty();
        if (basic.equals("USER_INFO")) {
            String info = secret(config, AvroSerdeConfig.BASIC_AUTH_USER_INFO_CONFIG);
            if (!info.contains(":")) {
                throw new ConfigException(AvroSerdeConfig.BASIC_AUTH_USER_INFO_CONFIG, "(not shown)", "must be user:password");
            }
            authorization = Optional.of(basicHeader(info));
        } else if (basic.equals("URL")) {
            if (userInfo == null) {
                throw new ConfigException(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, baseUrl,
                        "basic.auth.credentials.source=URL needs user:password@ in the URL");
            }
            authorization = Optional.of(basicHeader(URLDecoder.decode(userInfo, StandardCharsets.UTF_8)));
        } else if (bearer.equals("STATIC_TOKEN")) {
            authorization = Optional.of("Bearer " + secret(config, AvroSerdeConfig.BEARER_AUTH_TOKEN_CONFIG));
        }
        return new RegistryConnection(baseUrl, authorization, sslContext(config));
    }

    private static String basicHeader(String userInfo) {
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    private static String secret(AvroSerdeConfig config, String key) {
        Password password = config.getPassword(key);
        if (password == null || password.value().isEmpty()) {
            throw new ConfigException(key, "(not shown)", "is required by the authentication configured");
        }
        return password.value();
    }

    private static Optional<SSLContext> sslContext(AvroSerdeConfig config) {
        String trustStore = config.getString(AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION_CONFIG);
        String keyStore = config.getString(AvroSerdeConfig.SSL_KEYSTORE_LOCATION_CONFIG);
        if (trustStore.isEmpty() && keyStore.isEmpty()) {
            return Optional.empty();
        }
        try {
            TrustManagerFactory trust = null;
            if (!trustStore.isEmpty()) {
                trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(load(AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION_CONFIG, trustStore,
                        config.getString(AvroSerdeConfig.SSL_TRUSTSTORE_TYPE_CONFIG),
                        config.getPassword(AvroSerdeConfig.SSL_TRUSTSTORE_PASSWORD_CONFIG)));
            }
            KeyManagerFactory keys = null;
            if (!keyStore.isEmpty()) {
                Password storePassword = config.getPassword(AvroSerdeConfig.SSL_KEYSTORE_PASSWORD_CONFIG);
                Password keyPassword = config.getPassword(AvroSerdeConfig.SSL_KEY_PASSWORD_CONFIG);
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(load(AvroSerdeConfig.SSL_KEYSTORE_LOCATION_CONFIG, keyStore,
                        config.getString(AvroSerdeConfig.SSL_KEYSTORE_TYPE_CONFIG), storePassword),
                        chars(keyPassword != null ? keyPassword : storePassword));
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(), null);
            return Optional.of(context);
        } catch (GeneralSecurityException e) {
            throw new ConfigException(trustStore.isEmpty() ? AvroSerdeConfig.SSL_KEYSTORE_LOCATION_CONFIG
                    : AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION_CONFIG, trustStore.isEmpty() ? keyStore : trustStore,
                    "cannot be used for TLS: " + e.getMessage());
        }
    }

    private static KeyStore load(String key, String location, String type, Password password) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(type);
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            store.load(in, chars(password));
        } catch (IOException e) {
            throw new ConfigException(key, location, "cannot be read: " + e.getMessage());
        }
        return store;
    }

    private static char[] chars(Password password) {
        return password == null ? null : password.value().toCharArray();
    }
}
