package io.aijobs.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.aijobs.tls.TestCertificates;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry client's authentication and TLS against a stand-in registry on 127.0.0.1 (a JDK HTTP(S) server that
 * answers {@code GET /config} and records the {@code Authorization} header it got), with a CA made by the test.
 */
class RegistryClientSecurityTest {

    @TempDir
    Path dir;

    private HttpServer server;
    private final List<String> authorizations = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private void serve(HttpServer created) {
        server = created;
        server.createContext("/config", exchange -> {
            try (exchange) {
                authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
                byte[] body = "{\"compatibilityLevel\":\"BACKWARD\"}".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
    }

    private String httpRegistry() throws Exception {
        serve(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4));
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static Map<String, Object> config(String url, Object... pairs) {
        Map<String, Object> config = new HashMap<>();
        config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, url);
        for (int i = 0; i < pairs.length; i += 2) {
            config.put((String) pairs[i], pairs[i + 1]);
        }
        return config;
    }

    @Test
    void shouldSendBasicCredentialsFromUserInfo() throws Exception {
        String url = httpRegistry();
        try (RestSchemaRegistryClient client = RestSchemaRegistryClient.create(config(url,
                AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "USER_INFO",
                AvroSerdeConfig.BASIC_AUTH_USER_INFO_CONFIG, "alice:s3cret"))) {
            assertThat(client.globalCompatibility()).isEqualTo(CompatibilityLevel.BACKWARD);
        }
        assertThat(authorizations).containsExactly("Basic YWxpY2U6czNjcmV0");
    }

    @Test
    void shouldTakeBasicCredentialsFromTheUrlAndKeepThemOutOfItsBaseUrl() throws Exception {
        String url = httpRegistry().replace("http://", "http://bob:pa%3Ass@");
        try (RestSchemaRegistryClient client = RestSchemaRegistryClient.create(config(url,
                AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "URL"))) {
            client.globalCompatibility();
            assertThat(client.baseUrl()).doesNotContain("bob").doesNotContain("pa");
        }
        assertThat(authorizations).containsExactly("Basic " + java.util.Base64.getEncoder()
                .encodeToString("bob:pa:ss".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldSendAStaticBearerToken() throws Exception {
        String url = httpRegistry();
        try (RestSchemaRegistryClient client = RestSchemaRegistryClient.create(config(url,
                AvroSerdeConfig.BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG, "STATIC_TOKEN",
                AvroSerdeConfig.BEARER_AUTH_TOKEN_CONFIG, "tok-123"))) {
            client.globalCompatibility();
        }
        assertThat(authorizations).containsExactly("Bearer tok-123");
    }

    @Test
    void shouldRefuseMissingOrConflictingCredentialsNamingTheKeyNotTheSecret() {
        assertThatThrownBy(() -> RestSchemaRegistryClient.create(config("http://127.0.0.1:9",
                AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "USER_INFO")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(AvroSerdeConfig.BASIC_AUTH_USER_INFO_CONFIG);
        assertThatThrownBy(() -> RestSchemaRegistryClient.create(config("http://127.0.0.1:9",
                AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "USER_INFO",
                AvroSerdeConfig.BASIC_AUTH_USER_INFO_CONFIG, "no-colon-secret")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("user:password").hasMessageNotContaining("no-colon-secret");
        assertThatThrownBy(() -> RestSchemaRegistryClient.create(config("http://127.0.0.1:9",
                AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "USER_INFO",
                AvroSerdeConfig.BASIC_AUTH_USER_INFO_CONFIG, "a:b",
                AvroSerdeConfig.BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG, "STATIC_TOKEN",
                AvroSerdeConfig.BEARER_AUTH_TOKEN_CONFIG, "t")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("exclude each other");
    }

    private String httpsRegistry(TestCertificates certificates) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certificates.serverKeyStore())) {
            keys.load(in, certificates.password().toCharArray());
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, certificates.password().toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        https.setHttpsConfigurator(new HttpsConfigurator(context));
        serve(https);
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void shouldSpeakHttpsToARegistryWhoseCertificateTheConfiguredTrustStoreVouchesFor() throws Exception {
        TestCertificates certificates = TestCertificates.create(dir);
        String url = httpsRegistry(certificates);

        try (RestSchemaRegistryClient client = RestSchemaRegistryClient.create(config(url,
                AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION_CONFIG, certificates.trustStore().toString(),
                AvroSerdeConfig.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12",
                AvroSerdeConfig.SSL_TRUSTSTORE_PASSWORD_CONFIG, certificates.password(),
                AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "USER_INFO",
                AvroSerdeConfig.BASIC_AUTH_USER_INFO_CONFIG, "alice:s3cret"))) {
            assertThat(client.globalCompatibility()).isEqualTo(CompatibilityLevel.BACKWARD);
        }
        assertThat(authorizations).containsExactly("Basic YWxpY2U6czNjcmV0");

        try (RestSchemaRegistryClient untrusting = RestSchemaRegistryClient.create(config(url))) {
            assertThatThrownBy(untrusting::globalCompatibility).as("the JVM's CAs do not vouch for the test's")
                    .isInstanceOf(SchemaRegistryException.class).hasMessageContaining("unreachable");
        }
    }

    @Test
    void shouldRefuseAnUnreadableTrustStoreNamingTheKey() throws Exception {
        Path garbage = Files.writeString(dir.resolve("not-a-store.p12"), "not a key store");

        assertThatThrownBy(() -> RestSchemaRegistryClient.create(config("https://127.0.0.1:9",
                AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION_CONFIG, garbage.toString(),
                AvroSerdeConfig.SSL_TRUSTSTORE_PASSWORD_CONFIG, "x")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION_CONFIG);
        assertThatThrownBy(() -> RestSchemaRegistryClient.create(config("https://127.0.0.1:9",
                AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION_CONFIG, dir.resolve("missing.p12").toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cannot be read");
    }
}
