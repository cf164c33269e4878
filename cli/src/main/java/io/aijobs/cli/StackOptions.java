package io.aijobs.cli;

import io.aijobs.contracts.Topics;
import io.aijobs.serde.AvroSerdeConfig;
import io.aijobs.serde.SchemaRegistryClient;
import io.aijobs.devstack.DevStack;
import io.aijobs.devstack.StackEndpoints;
import java.nio.file.Path;
import io.aijobs.contracts.TopicCatalog;
import io.aijobs.contracts.TopicNames;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Where a command finds Kafka and the schema registry: the options when given, else the local stack running from
 * the state folder.
 */
final class StackOptions {

    /** The CLI's own folder: {@code .aijobs} of the checkout (the launcher script passes {@code aijobs.home}). */
    static Path home() {
        return Path.of(System.getProperty("aijobs.home", ".aijobs"));
    }

    /** Default state folder: {@code .aijobs/stack} of the checkout. */
    static Path defaultStateDir() {
        return home().resolve("stack");
    }

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default: the local stack's)")
    String bootstrapServers;

    @Option(names = "--registry-url", paramLabel = "URL",
            description = "Confluent-compatible schema registry URL (default: the local stack's)")
    String registryUrl;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "State folder of the local stack (default: .aijobs/stack)")
    Path stateDir;

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "Client properties of the principal to connect as: Kafka's (security.protocol, sasl.*, ssl.*) for every "
                    + "Kafka client, the registry's (basic.auth.*, bearer.auth.*, schema.registry.ssl.*) for the registry client; "
                    + "secrets as $${env:NAME}, $${file:PATH:KEY} or $${dir:PATH:NAME} (default: a secure local stack's super user "
                    + "and registry operator)")
    Path commandConfig;

    @Option(names = "--tenant-topic-prefix", paramLabel = "PREFIX", defaultValue = TopicNames.DEFAULT_TENANT_PREFIX,
            description = "Prefix of tenant topics, as the applications' tenant.topic.prefix (default: ${DEFAULT-VALUE})")
    String tenantTopicPrefix;

    @Option(names = "--platform-topic-prefix", paramLabel = "PREFIX", defaultValue = TopicNames.DEFAULT_PLATFORM_PREFIX,
            description = "Prefix of platform topics, as the applications' platform.topic.prefix (default: ${DEFAULT-VALUE})")
    String platformTopicPrefix;

    @Option(names = "--retry-tiers", paramLabel = "TIER", split = ",", defaultValue = TopicCatalog.DEFAULT_RETRY_TIERS_VALUE,
            description = "The processor's retry tiers (its retry.<category>.tier values), one topic each (default: ${DEFAULT-VALUE})")
    List<String> retryTiers;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /** The topics these options name; misuse (exit 2) when the prefixes or tiers are not valid. */
    TopicCatalog catalog() {
        try {
            return new TopicCatalog(new TopicNames(tenantTopicPrefix, platformTopicPrefix), retryTiers, TopicCatalog.DEFAULT_PARTITIONS,
                    TopicCatalog.DEFAULT_REPLICATION_FACTOR);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(mixee.commandLine(), e.getMessage());
        }
    }

    /**
     * The catalog's topics with their serdes over {@code registry} (which the caller closes); schemas are looked up,
     * never registered: {@code ./aijobs schemas register} and provisioning register them.
     */
    Topics topics(StackEndpoints endpoints, SchemaRegistryClient registry) {
        return new Topics(catalog(), registry, new AvroSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG,
                endpoints.schemaRegistryUrl())));
    }

    /** A client of the endpoints' registry as its operator (who registers); the caller closes it. */
    static io.aijobs.serde.RestSchemaRegistryClient registry(StackEndpoints endpoints) {
        return io.aijobs.serde.RestSchemaRegistryClient.create(endpoints.registryAdminConfig());
    }

    Path stateDir() {
        return stateDir != null ? stateDir : defaultStateDir();
    }

    /** The endpoints to use; fails with what to do when neither options nor a running stack give them. */
    StackEndpoints resolve() {
        Optional<StackEndpoints> local = DevStack.find(stateDir());
        String bootstrap = bootstrapServers != null ? bootstrapServers : local.map(StackEndpoints::bootstrapServers).orElse(null);
        String registry = registryUrl != null ? registryUrl : local.map(StackEndpoints::schemaRegistryUrl).orElse(null);
        if (bootstrap == null || registry == null) {
            throw new IllegalStateException("No local stack is running (" + stateDir() + "): start one with "
                    + "`./aijobs stack up`, or pass --bootstrap-servers and --registry-url");
        }
        // the super user's credentials of a secure local stack go only to that stack
        java.util.Map<String, String> security = local.filter(stack -> stack.bootstrapServers().equals(bootstrap))
                .map(StackEndpoints::adminSecurity).orElse(java.util.Map.of());
        // and its registry's operator and reader credentials only to that registry
        Optional<StackEndpoints> localRegistry = local.filter(stack -> stack.schemaRegistryUrl().equals(registry));
        java.util.Map<String, String> registryAdmin = localRegistry.map(StackEndpoints::registryAdmin).orElse(java.util.Map.of());
        if (commandConfig != null) {
            // the principal given replaces the local stack's: Kafka's keys for Kafka, the registry's for the registry
            java.util.Map<String, String> kafka = new java.util.HashMap<>();
            java.util.Map<String, String> registryClient = new java.util.HashMap<>();
            commandConfig().forEach((key, value) -> (AvroSerdeConfig.connectionKeys().contains(key) ? registryClient : kafka)
                    .put(key, String.valueOf(value)));
            security = kafka;
            registryAdmin = registryClient;
        }
        return new StackEndpoints(bootstrap, registry, local.map(StackEndpoints::modelBaseUrl).orElse(null), security,
                registryAdmin, localRegistry.map(StackEndpoints::registryReader).orElse(java.util.Map.of()));
    }

    /** The {@code --command-config} file, references resolved; misuse (exit 2) naming the file when it cannot be read. */
    private Map<String, Object> commandConfig() {
        try {
            return io.aijobs.application.ConfigFile.load(commandConfig, Map.of());
        } catch (java.io.IOException e) {
            throw new CommandLine.ParameterException(mixee.commandLine(), "Cannot read --command-config " + commandConfig + ": " + e);
        } catch (org.apache.kafka.common.config.ConfigException e) {
            throw new CommandLine.ParameterException(mixee.commandLine(), "Invalid --command-config " + commandConfig + ": " + e.getMessage());
        }
    }

    /**
     * Settings of a {@link io.aijobs.producer.PublisherConfig} client (publisher, dead letters) on these endpoints and
     * topics: servers, registry, prefixes and the super user's security, then {@code extra}.
     */
    Map<String, Object> publisherConfig(StackEndpoints endpoints, Map<String, ?> extra) {
        Map<String, Object> config = new java.util.HashMap<>(endpoints.adminSecurity());
        config.put(io.aijobs.producer.PublisherConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers());
        config.putAll(endpoints.registryAdminConfig());
        config.put(io.aijobs.producer.PublisherConfig.TENANT_TOPIC_PREFIX_CONFIG, tenantTopicPrefix);
        config.put(io.aijobs.producer.PublisherConfig.PLATFORM_TOPIC_PREFIX_CONFIG, platformTopicPrefix);
        config.putAll(extra);
        return config;
    }

    /** {@code config} plus the security properties of the endpoints' super user (none on a plaintext stack). */
    static java.util.Map<String, Object> withSecurity(StackEndpoints endpoints, java.util.Map<String, ?> config) {
        java.util.Map<String, Object> merged = new java.util.HashMap<>(endpoints.adminSecurity());
        merged.putAll(config);
        return merged;
    }
}
