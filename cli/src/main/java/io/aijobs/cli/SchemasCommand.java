package io.aijobs.cli;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicCatalog;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.serde.SchemaRegistryClient;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code aijobs schemas register}: the deliberate step that puts the contracts into the registry. */
@Command(name = "schemas", mixinStandardHelpOptions = true, description = "Manage the contract schemas in the registry.",
        subcommands = {SchemasCommand.Register.class})
final class SchemasCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: register");
    }

    @Command(name = "register", mixinStandardHelpOptions = true,
            description = "Register the value schema of every platform topic and of each given tenant's topics "
                    + "(TopicNameStrategy subjects <topic>-value). Fails on an incompatible schema, naming the subject.")
    static final class Register implements Callable<Integer> {
        @Mixin
        StackOptions stack;

        @Option(names = "--tenant", paramLabel = "TENANT", description = "Tenant whose topics to cover (repeatable)")
        List<String> tenants = List.of();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            List<TenantId> ids = tenants.stream().map(tenant -> TenantCommand.tenant(spec, tenant)).toList();
            StackEndpoints endpoints = stack.resolve();
            try (SchemaRegistryClient client = StackOptions.registry(endpoints)) {
                for (Map.Entry<String, Integer> registered : register(client, stack.catalog(), ids).entrySet()) {
                    out.printf("%-40s id %d%n", registered.getKey(), registered.getValue());
                }
            }
            return 0;
        }
    }

    /** Registers every contract subject for {@code tenants}; returns subject to id. */
    static Map<String, Integer> register(SchemaRegistryClient client, TopicCatalog catalog, List<TenantId> tenants) {
        Map<String, Integer> ids = new java.util.LinkedHashMap<>();
        for (TopicCatalog.Spec topic : catalog.topics(tenants)) {
            ids.put(topic.valueSubject(), client.register(topic.valueSubject(), topic.valueSchema()));
        }
        return ids;
    }
}
