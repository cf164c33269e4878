package io.aijobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README and the design docs name classes ({@code io.aijobs.processor.admission.AdmissionPipeline}) and cite tests
 * ({@code CliIT.shouldCreateTopics...}) as evidence. Each named class must exist at that package, and each cited test
 * method must exist in its class, so a move or a rename cannot leave a doc pointing at nothing.
 */
class DocReferencesTest {

    private static final Path ROOT = Path.of("..");
    private static final Pattern CLASS = Pattern.compile("\\bio\\.aijobs((?:\\.[a-z0-9]+)+)\\.([A-Z][A-Za-z0-9]*)");
    private static final Pattern TEST_METHOD = Pattern.compile("\\b([A-Z][A-Za-z0-9]*(?:IT|Test))[.#](should[A-Za-z0-9]*)");

    private static List<Path> docs() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> files = Files.walk(ROOT.resolve("docs"))) {
            files.filter(path -> path.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        return docs;
    }

    /** Every Java source file and Avro schema (its generated class) of every module, main and test, by file name. */
    private static Map<String, List<Path>> sources() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(path -> (path.toString().endsWith(".java") || path.toString().endsWith(".avsc"))
                            && path.toString().contains("/src/")
                            && !path.toString().contains("/target/"))
                    .collect(Collectors.groupingBy(path -> path.getFileName().toString()));
        }
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void shouldFindEveryClassTheDocsNameInItsPackage() throws IOException {
        Map<String, List<Path>> sources = sources();
        TreeSet<String> missing = new TreeSet<>();
        int named = 0;
        for (Path doc : docs()) {
            Matcher matcher = CLASS.matcher(read(doc));
            while (matcher.find()) {
                named++;
                String relative = "io/aijobs" + matcher.group(1).replace('.', '/') + "/" + matcher.group(2) + ".java";
                String packageName = "io.aijobs" + matcher.group(1);
                boolean found = sources.getOrDefault(matcher.group(2) + ".java", List.of()).stream()
                        .anyMatch(path -> path.toString().replace('\\', '/').endsWith(relative))
                        || sources.getOrDefault(matcher.group(2) + ".avsc", List.of()).stream().anyMatch(path -> Pattern.compile(
                                "\"namespace\"\\s*:\\s*\"" + Pattern.quote(packageName) + "\"").matcher(read(path)).find());
                if (!found) {
                    missing.add(ROOT.relativize(doc) + ": " + matcher.group());
                }
            }
        }
        assertThat(named).as("classes named in the docs").isPositive();
        assertThat(missing).as("classes the docs name that do not exist there").isEmpty();
    }

    @Test
    void shouldFindEveryTestMethodTheDocsCite() throws IOException {
        Map<String, List<Path>> sources = sources();
        TreeSet<String> missing = new TreeSet<>();
        int cited = 0;
        for (Path doc : docs()) {
            Matcher matcher = TEST_METHOD.matcher(read(doc));
            while (matcher.find()) {
                cited++;
                String method = matcher.group(2);
                boolean found = sources.getOrDefault(matcher.group(1) + ".java", List.of()).stream()
                        .anyMatch(path -> Pattern.compile("\\bvoid " + method + "\\(").matcher(read(path)).find());
                if (!found) {
                    missing.add(ROOT.relativize(doc) + ": " + matcher.group());
                }
            }
        }
        assertThat(cited).as("test methods cited in the docs").isPositive();
        assertThat(missing).as("tests the docs cite that do not exist").isEmpty();
    }
}
