package io.aijobs.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Released files never change: {@code released/SHA256SUMS} (the format of {@code sha256sum}, paths relative to
 * {@code released/}) holds the SHA-256 of every file under {@code released/} but itself and {@code README.md}. The
 * bytes hashed are the bytes in the working tree; {@code .gitattributes} marks the folder {@code -text} so that a
 * checkout never rewrites line endings.
 */
class ReleasedSchemasManifestTest {

    private static final Path MANIFEST = ReleasedSchemas.DIRECTORY.resolve("SHA256SUMS");
    private static final Set<String> NOT_RELEASED = Set.of("SHA256SUMS", "README.md");
    private static final Pattern LINE = Pattern.compile("([0-9a-f]{64})  (\\S.*)");
    private static final String NEVER_CHANGE =
            "Released schemas never change; add a new version beside them (see released/README.md). ";

    @Test
    void shouldMatchTheManifestHashOfEveryFileItNames() throws IOException {
        Map<String, String> manifest = manifest();

        for (Map.Entry<String, String> entry : manifest.entrySet()) {
            Path file = ReleasedSchemas.DIRECTORY.resolve(entry.getKey());
            if (Files.isRegularFile(file)) {
                assertThat(sha256(file)).as(NEVER_CHANGE + "released/%s differs from its SHA-256 in SHA256SUMS", entry.getKey())
                        .isEqualTo(entry.getValue());
            }
        }
    }

    @Test
    void shouldFindEveryFileTheManifestNames() throws IOException {
        List<String> missing = manifest().keySet().stream()
                .filter(path -> !Files.isRegularFile(ReleasedSchemas.DIRECTORY.resolve(path)))
                .toList();

        assertThat(missing).as(NEVER_CHANGE + "Files named in SHA256SUMS are missing from released/").isEmpty();
    }

    @Test
    void shouldNameEveryReleasedFileInTheManifest() throws IOException {
        Set<String> manifested = manifest().keySet();

        List<String> unlisted = releasedFiles().stream().filter(path -> !manifested.contains(path)).toList();

        assertThat(unlisted)
                .as(NEVER_CHANGE + "Files under released/ that SHA256SUMS does not name (a new version adds its files to it)")
                .isEmpty();
    }

    /** Path relative to {@code released/} to its hex SHA-256, in manifest order. */
    private static Map<String, String> manifest() throws IOException {
        assertThat(MANIFEST).as("the manifest of released files").isRegularFile();
        Map<String, String> hashes = new LinkedHashMap<>();
        for (String line : Files.readAllLines(MANIFEST, StandardCharsets.UTF_8)) {
            Matcher matcher = LINE.matcher(line);
            assertThat(matcher.matches()).as("SHA256SUMS line '%s' is '<sha256>  <path>'", line).isTrue();
            String previous = hashes.put(matcher.group(2), matcher.group(1));
            assertThat(previous).as("SHA256SUMS names %s once", matcher.group(2)).isNull();
        }
        return hashes;
    }

    /** Every file under {@code released/} but the manifest and the README, relative to it with '/' separators. */
    private static List<String> releasedFiles() throws IOException {
        try (Stream<Path> files = Files.walk(ReleasedSchemas.DIRECTORY)) {
            return files.filter(Files::isRegularFile)
                    .map(file -> ReleasedSchemas.DIRECTORY.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/"))
                    .filter(path -> !NOT_RELEASED.contains(path))
                    .sorted()
                    .toList();
        }
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
