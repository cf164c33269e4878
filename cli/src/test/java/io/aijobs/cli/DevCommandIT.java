package io.aijobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.devstack.Ports;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aijobs dev}, the README's main command, end to end: it starts its own stack (real broker, registry and
 * model stub processes on free ports), publishes the demo workload, shows the summary, and stops what it started.
 */
class DevCommandIT {

    @Test
    void shouldRunTheDemoOnItsOwnStackAndStopIt(@TempDir Path dir) {
        Path state = dir.resolve("stack");

        CliRun run = CliRun.of("dev", "--state-dir", state.toString(), "--jobs", "12", "--rate", "50", "--tenants", "3",
                "--until-done", "--duration", "PT120S",
                "--kafka-port", "" + Ports.freePort(), "--kafka-controller-port", "" + Ports.freePort(),
                "--registry-port", "" + Ports.freePort(), "--model-port", "" + Ports.freePort(), "--usage-port", "0");

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out())
                .contains("Starting Kafka 4.4.0 (KRaft, 1 broker)")
                // one value subject per topic of the platform and of demo-1..3
                .contains("Registered " + io.aijobs.contracts.TopicCatalog.defaults().valueSchemasByTopic(
                        java.util.List.of(io.aijobs.contracts.TenantId.of("demo-1"), io.aijobs.contracts.TenantId.of("demo-2"),
                                io.aijobs.contracts.TenantId.of("demo-3"))).size() + " contract subjects.")
                .contains("Processor running")
                .contains("published 12, failed to publish 0, results 12, dead letters 0")
                .containsPattern("demo-1\\s+4\\s+4\\s+0\\s+0\\.0000")
                .contains("Stopping the processor")
                .contains("Stopping the stack");
        CliRun status = CliRun.of("stack", "status", "--state-dir", state.toString());
        assertThat(status.exitCode()).isEqualTo(3);
    }
}
