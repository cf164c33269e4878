package io.aijobs.cli;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicCatalog;
import io.aijobs.contracts.TopicNames;
import io.aijobs.contracts.Topics;
import io.aijobs.devstack.KafkaBroker;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.schema.DeadLetterContent;
import io.aijobs.serde.AvroSerdeConfig;
import io.aijobs.serde.RestSchemaRegistryClient;
import io.aijobs.tenancy.ApplicationAccess;
import io.aijobs.tenancy.TenantProvisioner;
import io.aijobs.tenancy.TenantSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code aijobs tenant create|delete}: tenant provisioning through the Admin API (see {@link TenantProvisioner}). */
@Command(name = "tenant", mixinStandardHelpOptions = true,
        description = "Provision or remove a tenant: topics, SCRAM principal, ACLs, quotas and policy record.",
        subcommands = {TenantCommand.Create.class, TenantCommand.ResetPassword.class, TenantCommand.Delete.class})
final class TenantCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: create, reset-password or delete");
    }

    /** Where the operator's admin client connects, and as whom. */
    static final class AdminOptions {

        @Mixin
        StackOptions stack;

        /** The admin client's settings: the servers and the principal of {@code --command-config} or the local stack. */
        Map<String, Object> adminConfig(StackEndpoints endpoints) {
            return new HashMap<>(endpoints.adminClientConfig());
        }

        interface ProvisionerWork<T> {
            T run(TenantProvisioner provisioner, StackEndpoints endpoints, PlatformSetUp platform) throws Exception;
        }

        /** Makes the platform's topics and subjects that a tenant's provisioning writes to, where missing. */
        interface PlatformSetUp {
            List<String> ensure() throws Exception;
        }

        /** Runs {@code work} with a provisioner on an admin client of the operator's principal, closed afterwards. */
        <T> T withProvisioner(ProvisionerWork<T> work) throws Exception {
            StackEndpoints endpoints = stack.resolve();
            Map<String, Object> adminConfig = adminConfig(endpoints);
            TopicCatalog catalog = stack.catalog();
            RestSchemaRegistryClient registry = StackOptions.registry(endpoints);
            Topics topics = new Topics(catalog, registry,
                    new AvroSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, endpoints.schemaRegistryUrl())));
            try (registry; Admin admin = Admin.create(adminConfig)) {
                return work.run(new TenantProvisioner(admin, adminConfig, topics, registry,
                        ApplicationAccess.Principals.defaults("aijobs-processor", "aijobs-cost-aggregator"), Clock.systemUTC()),
                        endpoints, () -> {
                            List<String> created = DevTopics.ensure(admin, catalog, List.of());
                            SchemasCommand.register(registry, catalog, List.of());
                            return created;
                        });
            }
        }
    }

    static TenantId tenant(CommandSpec spec, String value) {
        if (!TenantId.isValid(value)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Invalid tenant id '" + value
                    + "': lower-case letters, digits and inner hyphens, 1-40 characters");
        }
        return TenantId.of(value);
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a tenant, or bring an existing one in line with these options (idempotent; its password is kept).",
                "A new principal's credentials are written to a client properties file (mode 600), never printed."})
    static final class Create implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "TENANT", description = "Tenant id")
        String tenantId;

        @Option(names = "--budget", paramLabel = "AMOUNT", description = "Monthly budget in currency units, e.g. 50.00 (default: none)")
        BigDecimal budget;

        @Option(names = "--currency", defaultValue = "USD", description = "Currency of the budget (default: ${DEFAULT-VALUE})")
        String currency;

        @Option(names = "--models", split = ",", paramLabel = "MODEL", description = "Models the tenant may use (default: any)")
        List<String> models;

        @Option(names = "--rate", paramLabel = "JOBS_PER_S", description = "Jobs per second the processor admits, across all its instances (default: no limit)")
        Double rate;

        @Option(names = "--weight", defaultValue = "1", paramLabel = "W",
                description = "Share of a processor's call slots when tenants compete for them: a tenant of weight 2 starts twice "
                        + "as many calls as one of weight 1 (default: ${DEFAULT-VALUE}; a tenant alone gets every slot)")
        double weight;

        @Option(names = "--max-concurrent-calls", paramLabel = "N",
                description = "Most model calls of the tenant open at once in one processor instance (default: no cap)")
        Integer maxConcurrentCalls;

        @Option(names = "--max-input-bytes", paramLabel = "N", description = "Largest job input accepted (default: the processor's limit)")
        Long maxInputBytes;

        @Option(names = "--retention", defaultValue = "P7D", paramLabel = "DURATION",
                description = "Retention of the tenant's topics, ISO-8601 (default: ${DEFAULT-VALUE})")
        Duration retention;

        @Option(names = "--dead-letters", defaultValue = "FULL", paramLabel = "FULL|HASH",
                description = "FULL: dead letters keep the job (replayable); HASH: only its SHA-256 (default: ${DEFAULT-VALUE})")
        DeadLetterContent deadLetters;

        @Option(names = "--produce-quota", paramLabel = "BYTES_PER_S", description = "Broker quota on what the tenant produces (default: none)")
        Long produceQuota;

        @Option(names = "--fetch-quota", paramLabel = "BYTES_PER_S", description = "Broker quota on what the tenant fetches (default: none)")
        Long fetchQuota;

        @Option(names = "--cache-ttl", paramLabel = "DURATION",
                description = "Response cache: a job that asks exactly what an earlier job of the tenant asked (model, messages, "
                        + "parameters) within this long gets that answer with no model call, ISO-8601, at most P7D (default: no cache)")
        Duration cacheTtl;

        @Option(names = "--cache-any-temperature",
                description = "Let the response cache also answer jobs whose temperature is not 0 or not set (default: temperature 0 only)")
        boolean cacheAnyTemperature;

        @Option(names = "--batch-jobs",
                description = "Send all the tenant's jobs through the provider's batch interface where the processor has one "
                        + "(batch.endpoints) and their deadline allows: batch prices, results within the provider's completion "
                        + "window (24 h at OpenAI) (default: only jobs of priority BATCH)")
        boolean batchJobs;

        @Option(names = "--credentials-file", paramLabel = "FILE",
                description = "Where a new principal's client properties go (default: .aijobs/tenants/TENANT.properties)")
        Path credentialsFile;

        @Mixin
        AdminOptions admin;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            TenantId tenant = tenant(spec, tenantId);
            if (deadLetters == DeadLetterContent.UNKNOWN) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--dead-letters must be FULL or HASH");
            }
            TenantSpec tenantSpec;
            try {
                Long budgetNanos = budget == null ? null : budget.movePointRight(9).longValueExact();
                if (cacheAnyTemperature && cacheTtl == null) {
                    throw new IllegalArgumentException("--cache-any-temperature needs --cache-ttl");
                }
                tenantSpec = new TenantSpec(tenant, models, budgetNanos, currency, rate, maxInputBytes, retention, deadLetters,
                        produceQuota, fetchQuota, weight, maxConcurrentCalls, new TenantSpec.ResponseCache(cacheTtl, cacheAnyTemperature),
                        batchJobs);
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            PrintWriter out = spec.commandLine().getOut();
            return admin.withProvisioner((provisioner, endpoints, platform) -> {
                // the policy record goes to a platform topic: a stack that never ran the applications lacks it and its subject
                List<String> platformTopics = platform.ensure();
                if (!platformTopics.isEmpty()) {
                    out.println("Created the platform's missing topics: " + platformTopics);
                }
                TenantProvisioner.Provisioned provisioned = provisioner.create(tenantSpec);
                out.println("Tenant " + tenant + ": topics " + provisioned.topics() + " (retention " + retention + ")");
                out.println("  schemas registered: " + String.join(", ", provisioned.subjects().keySet()));
                if (provisioned.isolated()) {
                    out.println("  principal User:" + provisioned.principal() + " with ACLs on " + admin.stack.catalog().names().tenantAclPrefix(tenant)
                            + "* only (write: its jobs topic)");
                }
                out.println("  policy on " + admin.stack.catalog().names().tenantPolicies() + ": models " + (tenantSpec.allowedModels().isEmpty()
                        ? "any" : tenantSpec.allowedModels()) + ", budget " + (budget == null ? "none" : budget + " " + currency)
                        + ", rate " + (rate == null ? "unlimited" : rate + " jobs/s") + ", weight " + weight + ", concurrent calls "
                        + (maxConcurrentCalls == null ? "uncapped" : maxConcurrentCalls) + ", dead letters " + deadLetters
                        + ", response cache " + (cacheTtl == null ? "off" : cacheTtl + (cacheAnyTemperature ? " (any temperature)"
                        : " (temperature 0)")) + ", batches " + (batchJobs ? "all jobs" : "jobs of priority BATCH"));
                if (!provisioned.isolated()) {
                    out.println("  no principal, ACLs or quotas: this broker has no authorizer, so every client reaches every tenant's "
                            + "topics. Isolation needs the secure profile: ./aijobs stack up --secure (or dev --secure).");
                } else if (provisioned.newPassword().isPresent()) {
                    Path file = credentialsFile(credentialsFile, tenant);
                    java.util.Optional<String> lacking = writeCredentials(file, endpoints, provisioned.principal(),
                            provisioned.newPassword().get());
                    out.println("  credentials of the new principal written to " + file + " (mode 600)");
                    lacking.ifPresent(what -> out.println("  note: " + what));
                } else {
                    out.println("  principal existed: its password is unchanged (./aijobs tenant reset-password " + tenant + " gives it a new one)");
                }
                return 0;
            });
        }

        /**
         * Writes the tenant's client properties: the servers, the tenant's SCRAM login over the transport the operator
         * connects with (SASL_SSL, with the operator's trust settings, when that is TLS), and the registry's URL, trust
         * settings and read-only login. Returns what the file lacks, if anything: the registry's read-only login is
         * known only for a local stack's registry.
         */
        static java.util.Optional<String> writeCredentials(Path file, StackEndpoints endpoints, String user, String password)
                throws IOException {
            Properties props = new Properties();
            props.setProperty("bootstrap.servers", endpoints.bootstrapServers());
            KafkaBroker.clientSecurity(user, password).forEach(props::setProperty);
            if (endpoints.adminSecurity().getOrDefault("security.protocol", "").contains("SSL")) {
                props.setProperty("security.protocol", "SASL_SSL");
                endpoints.adminSecurity().forEach((key, value) -> {
                    if (key.startsWith("ssl.truststore.") || key.equals("ssl.endpoint.identification.algorithm")) {
                        props.setProperty(key, value);
                    }
                });
            }
            // the registry: its URL, and on a registry with authentication the read-only principal's credentials
            endpoints.registryReaderConfig().forEach((key, value) -> props.setProperty(key, String.valueOf(value)));
            java.util.Optional<String> lacking = java.util.Optional.empty();
            if (endpoints.registryReader().isEmpty()) {
                // trust the registry as the operator does; the operator's own login is never the tenant's
                endpoints.registryAdmin().forEach((key, value) -> {
                    if (key.startsWith("schema.registry.ssl.truststore.")) {
                        props.setProperty(key, value);
                    }
                });
                if (endpoints.registryAdmin().containsKey("basic.auth.user.info") || endpoints.registryAdmin().containsKey("bearer.auth.token")) {
                    lacking = java.util.Optional.of("the registry's read-only login (basic.auth.* or bearer.auth.*) is not known to this "
                            + "command: add it to " + file);
                }
            }
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.deleteIfExists(file);
            try {
                // created owner-only, before anything is written into it
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file);
            }
            try (var writer = Files.newBufferedWriter(file)) {
                props.store(writer, "Kafka and schema registry client properties of " + user);
            }
            return lacking;
        }
    }

    static Path credentialsFile(Path given, TenantId tenant) {
        return given != null ? given : StackOptions.defaultStateDir().getParent().resolve("tenants").resolve(tenant.value() + ".properties");
    }

    @Command(name = "reset-password", mixinStandardHelpOptions = true,
            description = "Give a tenant's principal a new password (rotation, or a lost one); written to a client properties file.")
    static final class ResetPassword implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "TENANT", description = "Tenant id")
        String tenantId;

        @Option(names = "--credentials-file", paramLabel = "FILE",
                description = "Where the client properties go (default: .aijobs/tenants/TENANT.properties)")
        Path credentialsFile;

        @Mixin
        AdminOptions admin;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            TenantId tenant = tenant(spec, tenantId);
            return admin.withProvisioner((provisioner, endpoints, platform) -> {
                String password = provisioner.resetPassword(tenant);
                Path file = credentialsFile(credentialsFile, tenant);
                java.util.Optional<String> lacking = Create.writeCredentials(file, endpoints, TenantProvisioner.principalName(tenant), password);
                spec.commandLine().getOut().println("New password of User:" + TenantProvisioner.principalName(tenant) + " written to "
                        + file + " (mode 600); the old one no longer works");
                lacking.ifPresent(what -> spec.commandLine().getOut().println("note: " + what));
                return 0;
            });
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a tenant: its policy, ACLs, quotas, principal, and its topics with every record in them.")
    static final class Delete implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "TENANT", description = "Tenant id")
        String tenantId;

        @Option(names = "--yes", description = "Really delete (without it, only say what would be deleted)")
        boolean yes;

        @Mixin
        AdminOptions admin;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            TenantId tenant = tenant(spec, tenantId);
            PrintWriter out = spec.commandLine().getOut();
            TopicNames names = admin.stack.catalog().names();
            if (!yes) {
                out.println("Would delete tenant " + tenant + ": its policy record, the ACLs of User:" + TenantProvisioner.principalName(tenant)
                        + " and on its topics, its quotas, its principal, and the topics " + names.tenantAclPrefix(tenant)
                        + "{jobs,results,dlt,alerts} with every record in them. Rerun with --yes to delete.");
                return 1;
            }
            return admin.withProvisioner((provisioner, endpoints, platform) -> {
                for (String line : provisioner.delete(tenant)) {
                    out.println("Deleted " + line);
                }
                return 0;
            });
        }
    }
}
