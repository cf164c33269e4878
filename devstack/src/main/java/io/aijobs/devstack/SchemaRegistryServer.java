package io.aijobs.devstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Apicurio Registry (Apache-2.0) as a separate JVM, serving the Confluent-compatible API at
 * {@value #CCOMPAT_PATH} on 127.0.0.1.
 *
 * <p>Storage is in memory unless a data directory is given, in which case an H2 file database there keeps schema
 * ids stable across restarts (ids in Kafka records must keep resolving). At start the global compatibility is set
 * to BACKWARD, the level the contracts promise; Apicurio's own default is NONE.
 *
 * <p><b>Secure mode</b>: every request to the API needs HTTP basic authentication (Quarkus' own, with users kept in the
 * registry's configuration), and Apicurio's role-based authorization decides what each user may do: the
 * {@value #OPERATOR} (role {@code sr-admin}) registers, configures and deletes; the {@value #READER} (role
 * {@code sr-readonly}), the principal that applications and tenants use, reads. Anonymous requests are refused. The
 * passwords are made at the first start and kept, mode 600, under the registry's folder; they are given to the
 * registry in its {@code config/application.properties} (mode 600), never on a command line.
 *
 * <p><b>HTTPS</b> (secure mode with the stack's {@link KafkaBroker.Tls}, as a managed registry is reached): the port
 * serves HTTPS only, with the key store's certificate for 127.0.0.1; clients trust it with the trust store
 * ({@code schema.registry.ssl.truststore.*} in {@link #clientSecurity}).
 */
final class SchemaRegistryServer {

    public static final String CCOMPAT_PATH = "/apis/ccompat/v7";
    private static final String NAME = "schema-registry";
    /** The user who registers and deletes, in secure mode. */
    public static final String OPERATOR = "operator";
    /** The read-only user of applications and tenants, in secure mode. */
    public static final String READER = "reader";

    private final Path home;
    private final int port;
    private final boolean persistent;
    private final Artifacts artifacts;
    private final boolean secure;
    private final KafkaBroker.Tls tls;
    private final HttpClient http;

    /**
     * @param persistent keep schemas in an H2 file under {@code home} (dev stack) rather than in memory (tests)
     */
    public SchemaRegistryServer(Path home, int port, boolean persistent, Artifacts artifacts) {
        this(home, port, persistent, artifacts, false);
    }

    /**
     * @param secure require authentication and authorize by role (see the class comment)
     */
    public SchemaRegistryServer(Path home, int port, boolean persistent, Artifacts artifacts, boolean secure) {
        this(home, port, persistent, artifacts, secure, null);
    }

    /**
     * @param tls with {@code secure}, serve HTTPS only with this key store (see the class comment); else ignored
     */
    public SchemaRegistryServer(Path home, int port, boolean persistent, Artifacts artifacts, boolean secure, KafkaBroker.Tls tls) {
        this.home = home;
        this.port = port;
        this.persistent = persistent;
        this.artifacts = artifacts;
        this.secure = secure;
        this.tls = secure ? tls : null;
        // HTTP/1.1: Java 17's client fails a request when the server closes an HTTP/2 connection (GOAWAY), seen here
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1);
        if (this.tls != null) {
            builder.sslContext(trusting(this.tls));
        }
        this.http = builder.build();
    }

    private static javax.net.ssl.SSLContext trusting(KafkaBroker.Tls tls) {
        try (var in = java.nio.file.Files.newInputStream(tls.trustStore())) {
            java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
            store.load(in, tls.password().toCharArray());
            javax.net.ssl.TrustManagerFactory trust = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("Cannot read the trust store " + tls.trustStore() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The registry client properties of {@code user} ({@code basic.auth.*}, and {@code schema.registry.ssl.truststore.*}
     * over HTTPS); empty when not secure.
     */
    public java.util.Map<String, String> clientSecurity(String user) {
        if (!secure) {
            return java.util.Map.of();
        }
        java.util.Map<String, String> security = new java.util.HashMap<>(java.util.Map.of("basic.auth.credentials.source", "USER_INFO",
                "basic.auth.user.info", user + ":" + password(user)));
        if (tls != null) {
            security.put("schema.registry.ssl.truststore.location", tls.trustStore().toAbsolutePath().toString());
            security.put("schema.registry.ssl.truststore.type", "PKCS12");
            security.put("schema.registry.ssl.truststore.password", tls.password());
        }
        return java.util.Map.copyOf(security);
    }

    private String password(String user) {
        return SecretFiles.password(home.resolve(user + ".password"));
    }

    /**
     * Quarkus reads {@code config/application.properties} of its working directory: the users, and the key store over
     * HTTPS, out of the command line.
     */
    private void writeSecurityConfig() {
        Path file = home.resolve("config").resolve("application.properties");
        String https = tls == null ? "" : String.join("\n",
                "quarkus.http.ssl-port=" + port,
                "quarkus.http.insecure-requests=disabled",
                "quarkus.http.ssl.certificate.key-store-file=" + tls.keyStore().toAbsolutePath(),
                "quarkus.http.ssl.certificate.key-store-file-type=PKCS12",
                "quarkus.http.ssl.certificate.key-store-password=" + tls.password(), "");
        String config = https + String.join("\n",
                "quarkus.http.auth.basic=true",
                "quarkus.http.auth.permission.api.paths=/apis/*",
                "quarkus.http.auth.permission.api.policy=authenticated",
                "quarkus.security.users.embedded.enabled=true",
                "quarkus.security.users.embedded.plain-text=true",
                "quarkus.security.users.embedded.users." + OPERATOR + "=" + password(OPERATOR),
                "quarkus.security.users.embedded.roles." + OPERATOR + "=sr-admin",
                "quarkus.security.users.embedded.users." + READER + "=" + password(READER),
                "quarkus.security.users.embedded.roles." + READER + "=sr-readonly",
                "apicurio.authn.enabled=true",
                "apicurio.auth.role-based-authorization=true",
                "apicurio.auth.anonymous-read-access.enabled=false", "");
        try {
            java.nio.file.Files.createDirectories(file.getParent());
            SecretFiles.write(file, config);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("Cannot write the registry's configuration " + file, e);
        }
    }

    /** The base URL clients configure as {@code schema.registry.url}. */
    public String url() {
        return (tls != null ? "https://" : "http://") + Ports.LOOPBACK + ":" + port + CCOMPAT_PATH;
    }

    public Path logFile() {
        return home.resolve(NAME + ".log");
    }

    public Path pidFile() {
        return home.resolve(NAME + ".pid");
    }

    /** Starts the registry, waits until it is ready, and sets global compatibility to BACKWARD. */
    public ManagedProcess start(Duration timeout) {
        Ports.requireFree(port, "schema registry", "--registry-port");
        List<String> command = new ArrayList<>(List.of(Jvm.javaExecutable(), "-Xms128m", "-Xmx512m",
                "-Dquarkus.http.host=" + Ports.LOOPBACK,
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.log.level=WARN",
                "-Dquarkus.http.access-log.enabled=false"));
        if (persistent) {
            command.add("-Dapicurio.datasource.url=jdbc:h2:file:" + home.resolve("data").resolve("registry").toAbsolutePath());
        }
        command.add("-jar");
        command.add(artifacts.apicurioRunnerJar().toString());
        Path workDir = artifacts.apicurioRunnerJar().getParent();
        if (secure) {
            writeSecurityConfig();
            workDir = home;
        }
        ManagedProcess process = ManagedProcess.start(NAME, command, workDir, logFile(), pidFile());
        process.awaitReady(this::isReady, timeout);
        setGlobalCompatibility("BACKWARD");
        return process;
    }

    private boolean isReady() {
        if (!Ports.isListening(port)) {
            return false;
        }
        try {
            HttpResponse<String> response = http.send(asOperator(HttpRequest.newBuilder(URI.create(url() + "/config")))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private HttpRequest.Builder asOperator(HttpRequest.Builder request) {
        if (secure) {
            request.header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                    (OPERATOR + ":" + password(OPERATOR)).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        return request;
    }

    private void setGlobalCompatibility(String level) {
        try {
            setGlobalCompatibilityOnce(level);
        } catch (IOException e) {
            // after a restart on the same port, the client's pooled connection to the old process is dead: the first
            // request on it fails without an answer, and a PUT is not retried by the client itself
            try {
                setGlobalCompatibilityOnce(level);
            } catch (IOException again) {
                throw new IllegalStateException("Setting registry compatibility to " + level + " failed: " + again.getMessage(), again);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted", interrupted);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    private void setGlobalCompatibilityOnce(String level) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(asOperator(HttpRequest.newBuilder(URI.create(url() + "/config")))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"" + level + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("Setting registry compatibility to " + level + " failed: HTTP "
                    + response.statusCode() + " " + response.body());
        }
    }
}
