package io.aijobs.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.Schema;

/**
 * The released copies of the contracts, read from {@code src/test/resources/released/} in the source tree (the
 * working directory of a Surefire test is the module's folder). A version folder {@code vN} holds only the contracts
 * released or changed in release N; {@code released/README.md} describes the layout.
 */
final class ReleasedSchemas {

    static final Path DIRECTORY = Path.of("src/test/resources/released");

    private static final Pattern VERSION_FOLDER = Pattern.compile("v([1-9][0-9]*)");
    private static final String SUFFIX = ".avsc";

    /** One released version of one contract. */
    record ReleasedSchema(int version, Schema schema) {
        @Override
        public String toString() {
            return schema.getName() + " v" + version;
        }
    }

    private ReleasedSchemas() {
    }

    /** Every released version of the named contract, oldest first; empty when it was never released. */
    static List<ReleasedSchema> versionsOf(String name) {
        List<ReleasedSchema> versions = new ArrayList<>();
        for (int version : versions()) {
            Path file = DIRECTORY.resolve("v" + version).resolve(name + SUFFIX);
            if (Files.isRegularFile(file)) {
                versions.add(new ReleasedSchema(version, parse(file, name)));
            }
        }
        return versions;
    }

    /** The released version {@code version} of the named contract. */
    static ReleasedSchema version(int version, String name) {
        Path file = DIRECTORY.resolve("v" + version).resolve(name + SUFFIX);
        assertThat(file).as("released schema of %s in v%d", name, version).isRegularFile();
        return new ReleasedSchema(version, parse(file, name));
    }

    /** The numbers of the version folders, ascending. */
    static List<Integer> versions() {
        assertThat(DIRECTORY).as("released schemas (run from the schemas module folder)").isDirectory();
        try (Stream<Path> children = Files.list(DIRECTORY)) {
            return children.filter(Files::isDirectory)
                    .map(folder -> {
                        Matcher matcher = VERSION_FOLDER.matcher(folder.getFileName().toString());
                        assertThat(matcher.matches()).as("%s is not a version folder vN", folder).isTrue();
                        return Integer.parseInt(matcher.group(1));
                    })
                    .sorted(Comparator.naturalOrder())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every file in a version folder, as {@code vN/<file>}. */
    static List<String> filesInVersionFolders() {
        List<String> files = new ArrayList<>();
        for (int version : versions()) {
            try (Stream<Path> children = Files.list(DIRECTORY.resolve("v" + version))) {
                children.map(file -> "v" + version + "/" + file.getFileName()).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    private static Schema parse(Path file, String name) {
        try {
            Schema schema = new Schema.Parser().parse(file.toFile());
            assertThat(schema.getName()).as("the schema in %s is named after its file", file).isEqualTo(name);
            return schema;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
