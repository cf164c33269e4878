package io.aijobs.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.contracts.TopicCatalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclBinding;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml's {@code kafka-init} grants the applications' ACLs with {@code kafka-acls.sh}, in shell, since the
 * compose stack has no step that runs our code before the applications start. Its grants must be exactly those the
 * catalog derives for the default prefixes, retry tiers and principals ({@link ApplicationAccess#platformAcls}), so a
 * topic added to the catalog, or a retry tier, cannot be left out of the compose file unnoticed.
 */
class ComposeAclsTest {

    private static final Path COMPOSE = Path.of("..", "docker-compose.yml");

    /** "principal TYPE pattern-type name OPERATION", one per binding: the shape both sides are compared in. */
    private static String grant(String principal, String type, String patternType, String name, String operation) {
        return "User:" + principal + " " + type + " " + patternType + " " + name + " " + operation;
    }

    /**
     * The grants of kafka-init's {@code streams_app}, {@code writes} and {@code reads} lines, as its shell functions
     * expand them (a Streams application: its topics and transactional ids by prefix, its group; a topic read or written:
     * the operation and DESCRIBE).
     */
    private static Set<String> composeGrants() throws IOException {
        Set<String> grants = new TreeSet<>();
        for (String line : Files.readAllLines(COMPOSE)) {
            List<String> words = new ArrayList<>(Arrays.asList(line.trim().split("\\s+")));
            if (words.size() < 3) {
                continue;
            }
            String principal = words.get(1);
            List<String> names = words.subList(2, words.size());
            switch (words.get(0)) {
                case "streams_app" -> {
                    String applicationId = names.get(0);
                    grants.add(grant(principal, "TOPIC", "PREFIXED", applicationId + "-", "ALL"));
                    grants.add(grant(principal, "GROUP", "LITERAL", applicationId, "READ"));
                    grants.add(grant(principal, "GROUP", "LITERAL", applicationId, "DESCRIBE"));
                    grants.add(grant(principal, "TRANSACTIONAL_ID", "PREFIXED", applicationId + "-", "WRITE"));
                    grants.add(grant(principal, "TRANSACTIONAL_ID", "PREFIXED", applicationId + "-", "DESCRIBE"));
                }
                case "writes", "reads" -> names.forEach(topic -> {
                    grants.add(grant(principal, "TOPIC", "LITERAL", topic, words.get(0).equals("writes") ? "WRITE" : "READ"));
                    grants.add(grant(principal, "TOPIC", "LITERAL", topic, "DESCRIBE"));
                });
                default -> { }
            }
        }
        return grants;
    }

    private static Set<String> catalogGrants() {
        List<AclBinding> acls = ApplicationAccess.platformAcls(TopicCatalog.defaults(),
                ApplicationAccess.Principals.defaults("aijobs-processor", "aijobs-cost-aggregator"));
        return acls.stream().map(acl -> acl.entry().principal() + " " + acl.pattern().resourceType() + " " + acl.pattern().patternType()
                + " " + acl.pattern().name() + " " + acl.entry().operation()).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void shouldGrantInTheComposeFileExactlyTheApplicationAclsTheCatalogDerivesForTheDefaults() throws IOException {
        Set<String> compose = composeGrants();

        assertThat(compose).as("kafka-init's grants in %s", COMPOSE).isNotEmpty().isEqualTo(catalogGrants());
    }
}
