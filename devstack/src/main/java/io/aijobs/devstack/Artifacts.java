package io.aijobs.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Where the build put the broker's classpath and the unpacked schema registry.
 *
 * <p>The devstack module resolves {@code org.apache.kafka:kafka_2.13} and
 * {@code io.apicurio:apicurio-registry-app} from Maven Central at build time and records their location in
 * {@code artifacts.properties}. The paths are absolute and belong to the build tree that produced this jar: the
 * stack is a development and test tool, run from a checkout, never shipped.
 */
record Artifacts(String kafkaVersion, String kafkaClasspath, String apicurioVersion, Path apicurioRunnerJar) {

    private static final String RESOURCE = "artifacts.properties";

    /** Loads the locations recorded at build time; fails with a message that says how to rebuild. */
    public static Artifacts fromBuild() {
        Properties props = new Properties();
        try (InputStream in = Artifacts.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the devstack jar; rebuild with ./mvnw package");
            }
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path classpathFile = Path.of(props.getProperty("kafka.classpath.file"));
        Path runner = Path.of(props.getProperty("apicurio.runner.jar"));
        if (!Files.isRegularFile(classpathFile) || !Files.isRegularFile(runner)) {
            throw new IllegalStateException("The devstack build output is missing (" + classpathFile + ", " + runner
                    + "); rebuild with ./mvnw -DskipTests package");
        }
        try {
            return new Artifacts(props.getProperty("kafka.version"), Files.readString(classpathFile).trim(),
                    props.getProperty("apicurio.version"), runner);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
