package io.aijobs.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The build check that keeps {@link TopicNames} and {@link TopicCatalog} the only definition of topic names: main code
 * of every module may not spell a topic name, a default prefix or a tenant-topic suffix in a string literal.
 */
class TopicLiteralCheckTest {

    /** Files allowed to spell topic names: the definitions themselves. */
    private static final Set<String> DEFINITIONS = Set.of("TopicNames.java", "TopicCatalog.java");

    /**
     * A string literal that is a topic name of the default prefixes ({@code "platform.usage"}, {@code
     * "tenant.acme.jobs"}), a default prefix ({@code "tenant."}), or a tenant-topic suffix ({@code ".jobs"}). Config keys
     * such as {@code "tenant.topic.prefix"} are not topic names and do not match.
     */
    private static final Pattern TOPIC_LITERAL = Pattern.compile("\"(?:(?:tenant|platform)\\.(?:[a-z0-9<>-]+\\.)?"
            + "(?:jobs|results|dlt|alerts|usage|job-events|prices|usage-aggregates|tenant-spend|tenant-policies|retry\\.[a-z<>-]+)"
            + "|(?:tenant|platform)\\.|\\.(?:jobs|results|dlt|alerts))\"");

    @Test
    void shouldFindNoTopicNameLiteralInMainCodeOutsideTheCatalog() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<String> offences = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(path -> path.toString().endsWith(".java"))
                    .filter(path -> path.toString().contains("/src/main/java/"))
                    .filter(path -> !path.toString().contains("/target/"))
                    .filter(path -> !DEFINITIONS.contains(path.getFileName().toString()))
                    .forEach(path -> offences.addAll(offences(root, path)));
        }

        assertThat(offences).as("topic names belong in TopicNames/TopicCatalog; derive them from a TopicCatalog instead").isEmpty();
    }

    @Test
    void shouldRecogniseTheLiteralsItForbids() {
        for (String literal : List.of("\"platform.usage\"", "\"tenant.\"", "\".jobs\"", "\"platform.retry.transient\"",
                "\"tenant.<tenant>.dlt\"", "\"tenant.acme.results\"")) {
            assertThat(TOPIC_LITERAL.matcher(literal).find()).as(literal).isTrue();
        }
        for (String literal : List.of("\"usage\"", "\"jobs\"", "\"platform\"", "\"tenant.topic.prefix\"", "\"retry.\"",
                "\"aijobs.alerts\"", "\"tenant.discovery.interval.ms\"")) {
            assertThat(TOPIC_LITERAL.matcher(literal).find()).as(literal).isFalse();
        }
    }

    private static List<String> offences(Path root, Path file) {
        List<String> found = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).trim();
                if (line.startsWith("*") || line.startsWith("/*") || line.startsWith("//")) {
                    continue;
                }
                Matcher matcher = TOPIC_LITERAL.matcher(line);
                while (matcher.find()) {
                    found.add(root.relativize(file) + ":" + (i + 1) + ": " + matcher.group());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }
}
