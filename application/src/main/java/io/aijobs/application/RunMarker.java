package io.aijobs.application;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Tells whether an application's previous run in its state folder ended without a clean close (kill -9, a crash, a
 * lost host): a file, {@value #FILE_NAME} in the application's folder under {@code state.dir}, exists from the start
 * until a clean close.
 */
public final class RunMarker {

    /** The file's name; Kafka Streams ignores it (its task folders are named after the tasks). */
    public static final String FILE_NAME = ".aijobs-running";

    private final Path file;

    RunMarker(Path applicationStateFolder) {
        this.file = applicationStateFolder.resolve(FILE_NAME);
    }

    /** The marker of the application that {@code properties} configure: under its {@code state.dir}, in its id's folder. */
    static RunMarker of(Properties properties) {
        Object stateDir = properties.getOrDefault(StreamsConfig.STATE_DIR_CONFIG,
                StreamsConfig.configDef().defaultValues().get(StreamsConfig.STATE_DIR_CONFIG));
        return new RunMarker(Path.of(String.valueOf(stateDir), properties.getProperty(StreamsConfig.APPLICATION_ID_CONFIG)));
    }

    /** Whether a run began here and did not close cleanly. */
    boolean previousRunDidNotClose() {
        return Files.exists(file);
    }

    /** Marks a run as begun. */
    void running() {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, ProcessHandle.current().pid() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Marks the run as closed cleanly. */
    void closedCleanly() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file, e);
        }
    }

    Path file() {
        return file;
    }
}
