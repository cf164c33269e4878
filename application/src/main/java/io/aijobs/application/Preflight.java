package io.aijobs.application;

import io.aijobs.serde.SchemaRegistryClient;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;

/**
 * What an application checks before it starts Kafka Streams, so that a deployment that cannot work fails at once with
 * one line naming the cause instead of retrying in silence: the cluster answers, with the configured security (an
 * unreadable trust store or wrong credentials fail here), and the schema registry answers.
 */
public final class Preflight {

    /** The application cannot start; the message is one line naming the cause. */
    public static final class StartupException extends Exception {
        StartupException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private Preflight() {
    }

    /**
     * @param streamsProperties the application's Kafka Streams properties: their client settings (servers, security)
     *                          are the ones checked
     */
    public static void check(Properties streamsProperties, SchemaRegistryClient registry, String registryUrl, Duration timeout)
            throws StartupException {
        Map<String, Object> admin = AdminClients.config(streamsProperties);
        admin.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        admin.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 15_000));
        Object servers = admin.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
        Admin client = null;
        try {
            client = Admin.create(admin);
            client.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis())).clusterId()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof org.apache.kafka.common.errors.SslAuthenticationException) {
                throw new StartupException("TLS with Kafka at " + servers + " failed (is the trust store the one of the "
                        + "brokers' CA?): " + oneLine(rootCause(cause)), cause);
            }
            if (cause instanceof AuthenticationException) {
                throw new StartupException("Kafka at " + servers + " refused the credentials: " + cause.getMessage(), cause);
            }
            if (cause instanceof AuthorizationException) {
                throw new StartupException("Kafka at " + servers + " refused to describe the cluster to this principal: "
                        + cause.getMessage(), cause);
            }
            if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw new StartupException("Kafka at " + servers + " did not answer within " + timeout, cause);
            }
            throw new StartupException("Kafka at " + servers + " did not answer: " + oneLine(cause), cause);
        } catch (TimeoutException e) {
            throw new StartupException("Kafka at " + servers + " did not answer within " + timeout, e);
        } catch (KafkaException e) {
            // thrown while creating the client: an unreadable trust or key store, a malformed JAAS configuration
            throw new StartupException("Cannot connect to Kafka at " + servers + ": " + oneLine(rootCause(e)), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("Interrupted while checking Kafka at " + servers, e);
        } finally {
            if (client != null) {
                client.close(Duration.ofSeconds(1));
            }
        }
        try {
            registry.globalCompatibility();
        } catch (RuntimeException e) {
            throw new StartupException("The schema registry at " + registryUrl + " did not answer: " + oneLine(rootCause(e)), e);
        }
    }

    private static Throwable rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replace('\n', ' ').replace('\r', ' ');
    }
}
