package io.aijobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each application's README configuration table (the contiguous Markdown table right after its marker line
 * {@code <!-- config-table: NAME -->}) names every key of the application's {@code ConfigDef}, and no other, each with
 * its default. Here because this module sees both applications.
 *
 * <p>How a default is written: {@code required} when the key has none; {@code none} when it is null or empty; else
 * the value in backticks (a list joined with commas, numbers as Java prints them), optionally followed by a note in
 * parentheses, e.g. {@code `-1` (off)}. The row {@code streams.*} (passed to Kafka Streams) is the one row that is
 * not a key, and has no default.
 */
class ReadmeConfigTablesTest {

    private static final Path README = Path.of("../README.md");
    private static final String PASS_THROUGH_ROW = io.aijobs.application.StreamsAppConfig.STREAMS_PREFIX + "*";

    /** One application's table: its marker and the configuration it documents. */
    record Table(String application, ConfigDef definition) {
        String marker() {
            return "<!-- config-table: " + application + " -->";
        }

        @Override
        public String toString() {
            return application;
        }
    }

    static java.util.stream.Stream<Table> tables() {
        return java.util.stream.Stream.of(new Table("processor", io.aijobs.processor.ProcessorConfig.configDef()),
                new Table("processor-model-endpoint", io.aijobs.processor.routing.RoutingConfig.endpointDef("NAME")),
                new Table("processor-model-route", io.aijobs.processor.routing.RoutingConfig.routeDef("NAME")),
                new Table("cost-aggregator", io.aijobs.costs.CostAggregatorConfig.configDef()));
    }

    @ParameterizedTest
    @MethodSource("tables")
    void shouldDocumentEveryConfigKeyAndNoOther(Table table) throws IOException {
        String tableMarker = table.marker();
        Set<String> documented = documentedDefaults(tableMarker).keySet();
        Set<String> defined = table.definition().names();

        assertSoftly(softly -> {
            softly.assertThat(difference(defined, documented))
                    .as("keys of the configuration without a row in the README table after %s", tableMarker).isEmpty();
            softly.assertThat(difference(documented, defined))
                    .as("rows in the README table after %s naming no key of the configuration", tableMarker).isEmpty();
        });
    }

    @ParameterizedTest
    @MethodSource("tables")
    void shouldDocumentEachDefaultAsTheConfigDefHasIt(Table table) throws IOException {
        String tableMarker = table.marker();
        Map<String, ConfigDef.ConfigKey> defined = table.definition().configKeys();
        List<String> wrong = new ArrayList<>();
        documentedDefaults(tableMarker).forEach((name, documented) -> {
            ConfigDef.ConfigKey key = defined.get(name);
            if (key != null && !rendered(key).equals(documented)) {
                wrong.add(name + ": README says '" + documented + "', the ConfigDef '" + rendered(key) + "'");
            }
        });

        assertThat(wrong).as("defaults in the README table after %s", tableMarker).isEmpty();
    }

    private static Set<String> difference(Set<String> left, Set<String> right) {
        Set<String> rest = new TreeSet<>(left);
        rest.removeAll(right);
        return rest;
    }

    static String rendered(ConfigDef.ConfigKey key) {
        if (!key.hasDefault()) {
            return "required";
        }
        Object value = key.defaultValue;
        if (value instanceof Password password) {
            value = password.value();
        }
        if (value instanceof List<?> list) {
            value = String.join(",", list.stream().map(String::valueOf).toList());
        }
        String text = value == null ? "" : String.valueOf(value);
        return text.isEmpty() ? "none" : text;
    }

    /** Key to documented default, in table order; fails on a malformed row or a key listed twice. */
    static Map<String, String> documentedDefaults(String tableMarker) throws IOException {
        List<String> lines = Files.readAllLines(README, StandardCharsets.UTF_8);
        int marker = lines.indexOf(tableMarker);
        assertThat(marker).as("the line %s in %s", tableMarker, README.toAbsolutePath().normalize()).isNotNegative();
        assertThat(lines.lastIndexOf(tableMarker)).as("%s appears once", tableMarker).isEqualTo(marker);
        int row = marker + 1;
        boolean header = row + 1 < lines.size() && lines.get(row).startsWith("| key | default |")
                && lines.get(row + 1).startsWith("| ---");
        assertThat(header).as("a table with a header `| key | default | ...` right after %s", tableMarker).isTrue();
        Map<String, String> defaults = new LinkedHashMap<>();
        Pattern keyCell = Pattern.compile("`([^`]+)`");
        for (row += 2; row < lines.size() && lines.get(row).startsWith("|"); row++) {
            String[] cells = lines.get(row).split("(?<!\\\\)\\|");
            if (cells.length < 4) {
                fail("README line %d: expected | key | default | meaning |, got %s", row + 1, lines.get(row));
            }
            Matcher key = keyCell.matcher(cells[1].trim());
            if (!key.matches()) {
                fail("README line %d: the key cell must be one key in backticks, got '%s'", row + 1, cells[1].trim());
            }
            String defaultCell = cells[2].trim();
            if (key.group(1).equals(PASS_THROUGH_ROW)) {
                assertThat(defaultCell).as("README line %d: %s has no default", row + 1, PASS_THROUGH_ROW).isEmpty();
                continue;
            }
            String documented = defaultCell.replaceFirst("\\s+\\([^()]*\\)$", "").replace("`", "").trim();
            if (defaults.put(key.group(1), documented) != null) {
                fail("README line %d: %s is listed twice", row + 1, key.group(1));
            }
        }
        return defaults;
    }
}
