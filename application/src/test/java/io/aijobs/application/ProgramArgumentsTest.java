package io.aijobs.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgramArgumentsTest {

    @Test
    void shouldReadTheFileThenApplyTheOverrides(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("app.properties"), "bootstrap.servers=127.0.0.1:9092\nmax.in.flight=16\n");

        var properties = ProgramArguments.load(new String[] {file.toString(), "max.in.flight=64", "model.base.url=http://x=y"});

        assertThat(properties).containsEntry("bootstrap.servers", "127.0.0.1:9092").containsEntry("max.in.flight", "64")
                .containsEntry("model.base.url", "http://x=y");
    }

    @Test
    void shouldRejectMisuse(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("app.properties"), "");

        assertThatThrownBy(() -> ProgramArguments.load(new String[0])).isInstanceOf(ProgramArguments.MisuseException.class);
        assertThatThrownBy(() -> ProgramArguments.load(new String[] {"--help"})).isInstanceOf(ProgramArguments.MisuseException.class);
        assertThatThrownBy(() -> ProgramArguments.load(new String[] {file.toString(), "oops"}))
                .isInstanceOf(ProgramArguments.MisuseException.class).hasMessage("Not key=value: oops");
    }
}
