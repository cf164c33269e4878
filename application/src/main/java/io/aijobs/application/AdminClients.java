package io.aijobs.application;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** The admin client settings of an application: the client settings of its Kafka Streams properties. */
public final class AdminClients {

    private AdminClients() {
    }

    /**
     * The entries of {@code streamsProperties} that an admin client takes (servers, security, timeouts), so that an
     * application's own admin client connects as its Kafka Streams clients do.
     */
    public static Map<String, Object> config(Properties streamsProperties) {
        Map<String, Object> admin = new HashMap<>();
        streamsProperties.forEach((key, value) -> {
            if (AdminClientConfig.configNames().contains(key.toString())) {
                admin.put(key.toString(), value);
            }
        });
        return admin;
    }
}
