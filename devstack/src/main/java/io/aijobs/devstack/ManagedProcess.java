package io.aijobs.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A child process of the stack: its output goes to a log file and its pid to a pid file, so that a later
 * {@code stack status} or {@code stack down} from another JVM can find it.
 *
 * <p>Not thread-safe; owned by the component that started it.
 */
final class ManagedProcess {

    private final String name;
    private final Path logFile;
    private final Path pidFile;
    private final ProcessHandle handle;

    private ManagedProcess(String name, Path logFile, Path pidFile, ProcessHandle handle) {
        this.name = name;
        this.logFile = logFile;
        this.pidFile = pidFile;
        this.handle = handle;
    }

    /** Starts {@code command} in {@code workDir}, appending stdout and stderr to {@code logFile}. */
    public static ManagedProcess start(String name, List<String> command, Path workDir, Path logFile, Path pidFile) {
        Objects.requireNonNull(name, "name");
        try {
            Files.createDirectories(logFile.getParent());
            Files.createDirectories(pidFile.getParent());
            Process process = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            Files.writeString(pidFile, Long.toString(process.pid()), StandardCharsets.UTF_8);
            return new ManagedProcess(name, logFile, pidFile, process.toHandle());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start " + name + ": " + e.getMessage(), e);
        }
    }

    /** Finds a process recorded in {@code pidFile} by an earlier run, if it is still alive. */
    public static Optional<ManagedProcess> attach(String name, Path logFile, Path pidFile) {
        return readPid(pidFile)
                .flatMap(ProcessHandle::of)
                .filter(ProcessHandle::isAlive)
                .map(handle -> new ManagedProcess(name, logFile, pidFile, handle));
    }

    static Optional<Long> readPid(Path pidFile) {
        try {
            if (!Files.isRegularFile(pidFile)) {
                return Optional.empty();
            }
            return Optional.of(Long.parseLong(Files.readString(pidFile).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    public String name() {
        return name;
    }

    public long pid() {
        return handle.pid();
    }

    public Path logFile() {
        return logFile;
    }

    public boolean isAlive() {
        return handle.isAlive();
    }

    /**
     * Polls {@code ready} until it holds, the process dies, or {@code timeout} passes. On failure the exception
     * carries the end of the log, which is where the reason is.
     */
    public void awaitReady(BooleanSupplier ready, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!handle.isAlive()) {
                throw new IllegalStateException(name + " exited during start-up; last lines of " + logFile + ":\n" + tail(40));
            }
            if (ready.getAsBoolean()) {
                return;
            }
            try {
                handle.onExit().get(200, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException stillRunning) {
                // poll again
            } catch (InterruptedException e) {
                // whoever interrupts a start does not want the process: stop it rather than leave it running
                stop(Duration.ofSeconds(5));
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for " + name, e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
        stop(Duration.ofSeconds(5));
        throw new IllegalStateException(name + " was not ready within " + timeout.toSeconds() + " s; last lines of "
                + logFile + ":\n" + tail(40));
    }

    /** Asks the process to stop (SIGTERM), waits up to {@code grace}, then kills it. Removes the pid file. */
    public void stop(Duration grace) {
        try {
            if (handle.isAlive()) {
                handle.destroy();
                try {
                    handle.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    handle.destroyForcibly();
                    handle.onExit().get(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handle.destroyForcibly();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            handle.destroyForcibly();
        } finally {
            try {
                Files.deleteIfExists(pidFile);
            } catch (IOException ignored) {
                // a stale pid file is detected and replaced on the next start
            }
        }
    }

    /** The last {@code lines} lines of the log, for error messages. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }
}
