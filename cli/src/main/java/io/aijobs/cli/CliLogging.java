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
 * <p>slf4j-simple reads its configuration once per JVM, when the first logger is made: {@link #toFile} must run
 * before anything calls {@code LoggerFactory}, which is why {@link AijobsCommand#main} calls it first. Levels come
 * from the {@code simplelogger.properties} on the class path (the devstack module's). A
 * {@code -Dorg.slf4j.simpleLogger.logFile} given to the JVM (e.g. {@code System.err} in {@code AIJOBS_JAVA_OPTS})
 * wins. slf4j-simple truncates the file when it opens it: each file holds the last run of its command.
 */
final class CliLogging {

    /** slf4j-simple's key for its destination: a file path, {@code System.err} or {@code System.out}. */
    static final String LOG_FILE_PROPERTY = "org.slf4j.simpleLogger.logFile";

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
            System.setProperty(LOG_FILE_PROPERTY, "System.err");
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
        if (target == null || target.equals("System.err") || target.equals("System.out")) {
            return Optional.empty();
        }
        return Optional.of(Path.of(target));
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
