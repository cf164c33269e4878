package io.aijobs.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the command line's log goes: one file per command, {@code <aijobs.home>/logs/aijobs-<command>.log}, never
 * the console (except {@code processor} and {@code aggregator}, which run an application in the foreground and log to
 * standard error), so that the log lines of Kafka and the other libraries do not break into what a command prints
 * (the live table of {@code dev}). What the user must read is printed by the commands, not logged.
 *
 * <p>The backend is Log4j 2 with {@code log4j2.xml} (the repository's {@code config/log4j2.xml}, built into the jar),
 * which writes to the file named by the system property {@value #LOG_FILE_PROPERTY} if set, else to standard error.
 * Log4j reads it once per JVM, when the first logger is made: {@link #toFile} must run before anything calls
 * {@code LoggerFactory}, which is why {@link AijobsCommand#main} calls it first. A {@code -Daijobs.log.file} given to
 * the JVM wins; its value {@value #CONSOLE} (or an empty one) keeps the log on standard error. Each file holds the last run of its
 * command. {@link #checkEnvironment} refuses a log level or format in the environment that the configuration would
 * not understand.
 */
final class CliLogging {

    /** The log's destination, read by {@code log4j2.xml}: a file path; when unset, standard error. */
    static final String LOG_FILE_PROPERTY = "aijobs.log.file";
    /** The value of {@value #LOG_FILE_PROPERTY} that keeps the log on standard error. */
    static final String CONSOLE = "console";
    /** The format variable: {@code log4j2.xml} compares its value exactly. */
    static final String FORMAT_VARIABLE = "AIJOBS_LOG_FORMAT";
    /** The environment variables {@code log4j2.xml} reads, and the values each accepts (levels in any case). */
    static final java.util.Map<String, java.util.List<String>> ENVIRONMENT = java.util.Map.of(
            FORMAT_VARIABLE, java.util.List.of("text", "json"),
            "AIJOBS_LOG_LEVEL", java.util.List.of("trace", "debug", "info", "warn", "error", "off"),
            "AIJOBS_KAFKA_LOG_LEVEL", java.util.List.of("trace", "debug", "info", "warn", "error", "off"));

    /** Commands that run an application in the foreground: their log goes to standard error. */
    static final java.util.Set<String> APPLICATIONS = java.util.Set.of("processor", "aggregator");

    private CliLogging() {
    }

    /**
     * Sends the log of the command named by {@code args} to its file under {@code home}/logs (the system's
     * temporary folder if that cannot be made), unless the JVM was told otherwise. Returns the file in use, if any.
     */
    static Optional<Path> toFile(Path home, String[] args) {
        if (System.getProperty(LOG_FILE_PROPERTY) == null && APPLICATIONS.contains(commandName(args))) {
            // an application in the foreground logs to the console, as a service manager or container runtime expects
            return Optional.empty();
        }
        String given = System.getProperty(LOG_FILE_PROPERTY);
        if (given != null && (given.isBlank() || given.equals(CONSOLE))) {
            // log4j2.xml writes to a file whenever the property is set
            System.clearProperty(LOG_FILE_PROPERTY);
            return Optional.empty();
        }
        if (System.getProperty(LOG_FILE_PROPERTY) == null) {
            String name = "aijobs-" + commandName(args) + ".log";
            Path file;
            try {
                file = Files.createDirectories(home.resolve("logs")).resolve(name);
            } catch (IOException | SecurityException e) {
                file = Path.of(System.getProperty("java.io.tmpdir")).resolve(name);
            }
            System.setProperty(LOG_FILE_PROPERTY, file.toAbsolutePath().toString());
        }
        return logFile();
    }

    /** The file the log goes to; empty when it goes to the console or {@link #toFile} has not run. */
    static Optional<Path> logFile() {
        String target = System.getProperty(LOG_FILE_PROPERTY);
        if (target == null || target.equals(CONSOLE)) {
            return Optional.empty();
        }
        return Optional.of(Path.of(target));
    }

    /**
     * The first variable of {@link #ENVIRONMENT} whose value the logging configuration would not understand, as a
     * one-line message naming it and the values it takes; empty when all are absent or valid.
     */
    static Optional<String> checkEnvironment(java.util.function.UnaryOperator<String> environment) {
        return ENVIRONMENT.entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .filter(variable -> {
                    String value = environment.apply(variable.getKey());
                    return value != null && !variable.getValue().contains(variable.getKey().equals(FORMAT_VARIABLE) ? value
                            : value.trim().toLowerCase(java.util.Locale.ROOT));
                })
                .map(variable -> variable.getKey() + "=" + environment.apply(variable.getKey()) + " is not one of "
                        + String.join(", ", variable.getValue()))
                .findFirst();
    }

    /** The log file if this run wrote to it: what a failure message may point to. */
    static Optional<Path> writtenLogFile() {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        return logFile().filter(file -> {
            try {
                return Files.size(file) > 0 && Files.getLastModifiedTime(file).toMillis() >= jvmStart;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** The subcommand, i.e. the first argument that is not an option, if it looks like one; else {@code cli}. */
    static String commandName(String[] args) {
        for (String arg : args) {
            if (!arg.startsWith("-")) {
                return arg.matches("[a-z][a-z-]{0,30}") ? arg : "cli";
            }
        }
        return "cli";
    }
}
