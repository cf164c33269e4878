package io.aijobs.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.benchmarks.ChaosSuite.Verdict;
import io.aijobs.benchmarks.ReliabilityReport.Recovery;
import io.aijobs.benchmarks.ReliabilityReport.Row;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReliabilityReportTest {

    private static Row row(List<Optional<Duration>> stalls) {
        return new Row("R2", "the model service answers 503", 100, 5000, 5000, 5000, 0, 0, 0, 0,
                List.of(new Recovery(Duration.ofMillis(1300), false)), stalls, new Verdict(true, "0 dead letters"), true, Duration.ofSeconds(147));
    }

    @Test
    void shouldSayNoneForAFaultWithoutAStallWindowAndSecondsOtherwise(@TempDir Path dir) throws Exception {
        Row row = row(List.of(Optional.empty(), Optional.of(Duration.ofMillis(2500))));

        assertThat(ReliabilityReport.describe(row)).contains("longest stall [none, 2.5]");
        Path out = dir.resolve("reliability.md");
        ReliabilityReport.write(out, List.of(row), "--scenario R2", 256, Duration.ofMillis(200), Duration.ofMillis(100));
        assertThat(Files.readString(out)).contains("| 1.3 | none, 2.5 | 147 | pass |");
    }

    @Test
    void shouldGiveTheRowsLoadAndMarkARecoveryThatCameAfterTheNextFaultAndCountItInTheGoal(@TempDir Path dir) throws Exception {
        Row row = new Row("R1", "2 × kill -9", 50, 7500, 7500, 7500, 0, 0, 0, 0,
                List.of(new Recovery(Duration.ofMillis(23400), true), new Recovery(Duration.ofMillis(9100), false)),
                List.of(Optional.of(Duration.ofMillis(20000)), Optional.of(Duration.ofMillis(9100))), new Verdict(true, "0 dead letters"), true,
                Duration.ofSeconds(150));

        assertThat(ReliabilityReport.describe(row)).contains("recovery [23.4 (after the next fault), 9.1] (worst 23.4 s)");
        Path out = dir.resolve("reliability.md");
        ReliabilityReport.write(out, List.of(row), "--scenario R1", 256, Duration.ofMillis(200), Duration.ofMillis(100));
        assertThat(Files.readString(out)).contains("| R1 | 2 × kill -9 | 50 | 7500 |")
                .contains("| 23.4 (after the next fault), 9.1 | 20.0, 9.1 |")
                .contains("Worst in this run: 23.4 s, not met.");
    }
}
