package io.aijobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.channels.ClosedSelectorException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The logging of the command line, with the backend and {@code log4j2.xml} it ships: for the CLI's own commands the
 * console carries no log lines (what Kafka Streams, the Kafka clients and the HTTP client log goes to the command's
 * log file); the format and levels follow the environment; the log context (MDC) reaches the lines. Log4j reads its
 * configuration once per JVM, so each case runs {@link LoggingProbe} in a JVM of its own.
 */
class CliLoggingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Sets up logging as {@code main} does, then logs as the libraries do during {@code dev}. */
    public static final class LoggingProbe {
        public static void main(String[] args) {
            CliLogging.toFile(StackOptions.home(), args);
            LoggerFactory.getLogger("org.apache.kafka.streams.KafkaStreams")
                    .info("probe-info State transition from RUNNING to PENDING_SHUTDOWN");
            LoggerFactory.getLogger("org.apache.kafka.clients.producer.internals.Sender").warn("probe-warn Got error produce response");
            LoggerFactory.getLogger("org.apache.hc.client5.http.impl.async").error("probe-error", new ClosedSelectorException());
            LoggerFactory.getLogger("org.apache.kafka.clients.consumer.ConsumerConfig").info("probe-kafka-info ConsumerConfig values");
            try (MDC.MDCCloseable tenant = MDC.putCloseable("tenant", "acme"); MDC.MDCCloseable job = MDC.putCloseable("jobId", "job-1")) {
                LoggerFactory.getLogger("io.aijobs.processor.execution.JobExecutionProcessor").info("probe-job Attempt 1 failed");
                LoggerFactory.getLogger("io.aijobs.processor.execution.JobExecutionProcessor").debug("probe-debug completed");
            }
            // what the HTTP client logs of a call's bytes (HTTP/1.1 wire and headers, HTTP/2 frames and payload)
            for (String wire : List.of("org.apache.hc.client5.http.wire", "org.apache.hc.client5.http.headers",
                    "org.apache.hc.client5.http2.frame", "org.apache.hc.client5.http2.frame.payload", "org.apache.hc.client5.http2.flow")) {
                LoggerFactory.getLogger(wire).debug("probe-wire Authorization: Bearer sk-probe {\"content\":\"a prompt\"}");
            }
            System.out.println("probe-table tenant jobs results; log written: " + CliLogging.writtenLogFile().isPresent());
        }
    }

    private record Run(int exitCode, String out, String err) {
    }

    private static Run probe(Path home, List<String> jvmOptions, String... args) throws Exception {
        return probe(home, jvmOptions, Map.of(), args);
    }

    private static Run probe(Path home, List<String> jvmOptions, Map<String, String> environment, String... args) throws Exception {
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
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out).redirectError(err);
        builder.environment().keySet().removeAll(CliLogging.ENVIRONMENT.keySet());
        builder.environment().putAll(environment);
        Process process = builder.start();
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
                .contains("java.nio.channels.ClosedSelectorException")
                .contains("INFO io.aijobs.processor.execution.JobExecutionProcessor - probe-job Attempt 1 failed {jobId=job-1, tenant=acme}")
                .as("Kafka below warn and debug are off by default").doesNotContain("probe-kafka-info").doesNotContain("probe-debug");
    }

    @Test
    void shouldWriteOneJsonObjectPerLineWithTheLogContextAsFieldsWhenTheEnvironmentAsksForJson(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("home");

        Run run = probe(home, List.of(), Map.of("AIJOBS_LOG_FORMAT", "json"), "dev");

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(home.resolve("logs").resolve("aijobs-dev.log"))) {
            lines.add(JSON.readTree(line));
        }
        assertThat(lines).hasSize(4);
        JsonNode job = lines.stream().filter(line -> line.path("message").asText().startsWith("probe-job")).findFirst().orElseThrow();
        assertThat(job.path("log.level").asText()).isEqualTo("INFO");
        assertThat(job.path("log.logger").asText()).isEqualTo("io.aijobs.processor.execution.JobExecutionProcessor");
        assertThat(job.path("tenant").asText()).isEqualTo("acme");
        assertThat(job.path("jobId").asText()).isEqualTo("job-1");
        assertThat(job.path("@timestamp").asText()).isNotEmpty();
        JsonNode error = lines.stream().filter(line -> line.path("message").asText().equals("probe-error")).findFirst().orElseThrow();
        assertThat(error.path("error.type").asText()).isEqualTo("java.nio.channels.ClosedSelectorException");
    }

    @Test
    void shouldTakeTheLevelsOfOurCodeAndOfKafkaFromTheEnvironmentAndKeepTheHttpClientsWireLogsOffAtDebug(@TempDir Path dir)
            throws Exception {
        Path home = dir.resolve("home");

        Run run = probe(home, List.of(), Map.of("AIJOBS_LOG_LEVEL", "debug", "AIJOBS_KAFKA_LOG_LEVEL", "error"), "dev");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Files.readString(home.resolve("logs").resolve("aijobs-dev.log")))
                .contains("probe-debug").contains("probe-error").doesNotContain("probe-wire")
                .doesNotContain("probe-warn").doesNotContain("probe-kafka-info")
                .as("Kafka Streams' state transitions stay at info").contains("probe-info");
    }

    @Test
    void shouldNameTheVariableAndItsValuesWhenTheEnvironmentHasALevelOrFormatTheConfigurationWouldNotUnderstand() {
        assertThat(CliLogging.checkEnvironment(Map.of("AIJOBS_LOG_LEVEL", "verbose")::get))
                .contains("AIJOBS_LOG_LEVEL=verbose is not one of trace, debug, info, warn, error, off");
        assertThat(CliLogging.checkEnvironment(Map.of("AIJOBS_LOG_FORMAT", "JSON")::get))
                .as("the format is compared exactly, as log4j2.xml compares it").contains("AIJOBS_LOG_FORMAT=JSON is not one of text, json");
        assertThat(CliLogging.checkEnvironment(Map.of("AIJOBS_LOG_FORMAT", "json", "AIJOBS_KAFKA_LOG_LEVEL", "INFO")::get)).isEmpty();
        assertThat(CliLogging.checkEnvironment(Map.<String, String>of()::get)).isEmpty();
    }

    @Test
    void shouldKeepTheLogOnTheConsoleWhenTheJvmIsToldSo(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("home");

        Run run = probe(home, List.of("-D" + CliLogging.LOG_FILE_PROPERTY + "=" + CliLogging.CONSOLE), "dev");

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
