package io.aijobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.channels.ClosedSelectorException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The console carries no log lines: with the logging set up as {@link AijobsCommand#main} sets it up, what Kafka
 * Streams, the Kafka clients and the HTTP client log goes to the command's log file. slf4j-simple reads its
 * configuration once per JVM, so each case runs {@link LoggingProbe} in a JVM of its own.
 */
class CliLoggingTest {

    /** Sets up logging as {@code main} does, then logs as the libraries do during {@code dev}. */
    public static final class LoggingProbe {
        public static void main(String[] args) {
            CliLogging.toFile(StackOptions.home(), args);
            LoggerFactory.getLogger("org.apache.kafka.streams.KafkaStreams")
                    .info("probe-info State transition from RUNNING to PENDING_SHUTDOWN");
            LoggerFactory.getLogger("org.apache.kafka.clients.producer.internals.Sender").warn("probe-warn Got error produce response");
            LoggerFactory.getLogger("org.apache.hc.client5.http.impl.async").error("probe-error", new ClosedSelectorException());
            System.out.println("probe-table tenant jobs results; log written: " + CliLogging.writtenLogFile().isPresent());
        }
    }

    private record Run(int exitCode, String out, String err) {
    }

    private static Run probe(Path home, List<String> jvmOptions, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Surefire may start this JVM from a manifest-only jar; it names the real test class path here
        command.add("-cp");
        command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        command.add("-Daijobs.home=" + home);
        command.addAll(jvmOptions);
        command.add(LoggingProbe.class.getName());
        command.addAll(List.of(args));
        File out = home.resolveSibling("probe.out").toFile();
        File err = home.resolveSibling("probe.err").toFile();
        Process process = new ProcessBuilder(command).redirectOutput(out).redirectError(err).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("probe ended within 60 s").isTrue();
        return new Run(process.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8),
                Files.readString(err.toPath(), StandardCharsets.UTF_8));
    }

    @Test
    void shouldWriteLibraryLogLinesToTheCommandsLogFileAndNoneToTheConsole(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("home");

        Run run = probe(home, List.of(), "dev", "--until-done");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("probe-table tenant jobs results; log written: true" + System.lineSeparator());
        assertThat(run.err()).doesNotContain("probe-", "ClosedSelectorException");
        assertThat(Files.readString(home.resolve("logs").resolve("aijobs-dev.log")))
                .contains("INFO org.apache.kafka.streams.KafkaStreams - probe-info")
                .contains("WARN org.apache.kafka.clients.producer.internals.Sender - probe-warn")
                .contains("ERROR org.apache.hc.client5.http.impl.async - probe-error")
                .contains("java.nio.channels.ClosedSelectorException");
    }

    @Test
    void shouldKeepTheLogOnTheConsoleWhenTheJvmIsToldSo(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("home");

        Run run = probe(home, List.of("-D" + CliLogging.LOG_FILE_PROPERTY + "=System.err"), "dev");

        assertThat(run.err()).contains("probe-warn");
        assertThat(home.resolve("logs")).doesNotExist();
    }

    @Test
    void shouldNameTheLogFileAfterTheCommand() {
        assertThat(CliLogging.commandName(new String[] {"dev", "--until-done"})).isEqualTo("dev");
        assertThat(CliLogging.commandName(new String[] {"--help"})).isEqualTo("cli");
        assertThat(CliLogging.commandName(new String[] {"../../etc/passwd"})).isEqualTo("cli");
        assertThat(CliLogging.commandName(new String[0])).isEqualTo("cli");
    }
}
