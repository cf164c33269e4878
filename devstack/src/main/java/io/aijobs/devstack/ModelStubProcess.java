package io.aijobs.devstack;

import io.aijobs.devstack.modelstub.ModelStubMain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The model stub as its own process, so that it outlives {@code ./aijobs stack up}. */
final class ModelStubProcess {

    private static final String NAME = "model-stub";

    private final Path home;
    private final int port;
    private final String latency;

    ModelStubProcess(Path home, int port, String latency) {
        this.home = home;
        this.port = port;
        this.latency = latency;
    }

    String baseUrl() {
        return "http://" + Ports.LOOPBACK + ":" + port + "/v1";
    }

    ManagedProcess start(Duration timeout) {
        Ports.requireFree(port, "model stub", "--model-port");
        List<String> command = List.of(Jvm.javaExecutable(), "-Xmx256m", "-Dsun.net.httpserver.nodelay=true",
                "-cp", System.getProperty("java.class.path"), ModelStubMain.class.getName(),
                "--port", Integer.toString(port), "--latency", latency,
                // a few 503s so that the dev stack exercises the retry path
                "--fault-rate", "unavailable=0.03",
                // cached input tokens for a repeated prefix, as providers report them, so the dev stack prices them
                "--prompt-cache", "on");
        ManagedProcess process = ManagedProcess.start(NAME, command, home.toAbsolutePath().getParent(),
                home.resolve(NAME + ".log"), home.resolve(NAME + ".pid"));
        process.awaitReady(() -> Ports.isListening(port), timeout);
        return process;
    }
}
