package io.aijobs.cli;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicCatalog;
import io.aijobs.contracts.TopicNames;
import io.aijobs.contracts.Topics;
import io.aijobs.devstack.KafkaBroker;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.serde.AvroSerdeConfig;
import io.aijobs.serde.SchemaRegistryClient;
import io.aijobs.tenancy.ApplicationAccess;
import io.aijobs.tenancy.TenantProvisioner;
import io.aijobs.tenancy.TenantSpec;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/**
 * {@code ./aijobs dev --secure}: the applications get their own principals and least-privilege ACLs, each demo tenant
 * is provisioned like a real one ({@link TenantProvisioner}), and each publishes its jobs as itself. The credentials
 * live in this process only (the applications' are new on every run).
 */
record SecureDemo(Map<String, String> processorSecurity, Map<String, String> aggregatorSecurity,
                  Map<String, Map<String, String>> tenantSecurity) {

    static final String PROCESSOR_APPLICATION_ID = "aijobs-processor-dev";
    static final String AGGREGATOR_APPLICATION_ID = "aijobs-cost-aggregator-dev";

    Map<String, String> tenantSecurity(String tenant) {
        Map<String, String> security = tenantSecurity.get(tenant);
        if (security == null) {
            throw new IllegalStateException("tenant " + tenant + " was not provisioned by this run");
        }
        return security;
    }

    static SecureDemo provision(Admin admin, StackEndpoints endpoints, TopicCatalog catalog, SchemaRegistryClient registry,
                                List<TenantId> tenants, PrintWriter out) throws Exception {
        ApplicationAccess.Principals apps = ApplicationAccess.Principals.defaults(PROCESSOR_APPLICATION_ID, AGGREGATOR_APPLICATION_ID);
        String processorPassword = password();
        String aggregatorPassword = password();
        TopicNames names = catalog.names();
        ApplicationAccess.grant(admin, catalog, apps, processorPassword, aggregatorPassword);
        out.println("Principals " + apps.processorUser() + " and " + apps.aggregatorUser() + " granted what the processor and the cost "
                + "aggregator need, nothing more.");
        Topics topics = new Topics(catalog, registry, new AvroSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG,
                endpoints.schemaRegistryUrl())));
        TenantProvisioner provisioner = new TenantProvisioner(admin, endpoints.adminClientConfig(), topics, registry, apps,
                Clock.systemUTC());
        Map<String, Map<String, String>> tenantSecurity = new HashMap<>();
        for (TenantId tenant : tenants) {
            TenantProvisioner.Provisioned provisioned = provisioner.create(DemoJobs.spec(tenant));
            // a tenant kept from an earlier run keeps its password, which this run does not know: give it a new one
            String password = provisioned.newPassword().isPresent() ? provisioned.newPassword().get() : provisioner.resetPassword(tenant);
            tenantSecurity.put(tenant.value(), KafkaBroker.clientSecurity(provisioned.principal(), password));
            out.println("Tenant " + tenant + ": principal " + provisioned.principal() + ", ACLs on " + names.tenantAclPrefix(tenant)
                    + "* only, policy on " + names.tenantPolicies());
        }
        return new SecureDemo(KafkaBroker.clientSecurity(apps.processorUser(), processorPassword),
                KafkaBroker.clientSecurity(apps.aggregatorUser(), aggregatorPassword), tenantSecurity);
    }

    private static String password() {
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    @Override
    public String toString() {
        return "SecureDemo[tenants=" + tenantSecurity.keySet() + "]";
    }
}
