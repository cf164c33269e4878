package io.aijobs.application;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunMarkerTest {

    @TempDir
    Path stateDir;

    @Test
    void shouldTellARunThatDidNotCloseFromOneThatClosedCleanly() {
        RunMarker marker = new RunMarker(stateDir.resolve("app"));
        assertThat(marker.previousRunDidNotClose()).as("no run yet").isFalse();

        marker.running();
        assertThat(new RunMarker(stateDir.resolve("app")).previousRunDidNotClose()).as("a run that never closed (kill -9)").isTrue();

        marker.closedCleanly();
        assertThat(new RunMarker(stateDir.resolve("app")).previousRunDidNotClose()).as("after a clean close").isFalse();
    }

    @Test
    void shouldLiveInTheApplicationsFolderUnderTheStateDir() {
        Properties properties = new Properties();
        properties.put("application.id", "processor-a");
        properties.put("state.dir", stateDir.toString());

        assertThat(RunMarker.of(properties).file()).isEqualTo(stateDir.resolve("processor-a").resolve(RunMarker.FILE_NAME));
    }
}
