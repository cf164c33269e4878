package io.aijobs.benchmarks;

import io.aijobs.benchmarks.ChaosSuite.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The reliability suite's report: a row per scenario, its one-line summary, and docs/reliability.md. */
final class ReliabilityReport {

    private ReliabilityReport() {
    }

    /** One scenario's row of the report. */
    record Row(String scenario, String faults, double rate, long published, long distinctJobs, long distinctResults, long lost, long duplicateResults,
               long duplicatePaidCalls, long paidCallBound, List<Recovery> recoveries, List<Optional<Duration>> stalls, Verdict check, boolean passed,
               Duration took) {

        Duration worstRecovery() {
            return recoveries.stream().map(Recovery::time).max(Duration::compareTo).orElse(Duration.ZERO);
        }
    }

    /**
     * One fault's recovery.
     *
     * @param afterNextFault the next fault came before the recovery, so {@code time} includes that fault's effect too
     */
    record Recovery(Duration time, boolean afterNextFault) {
    }

    static String describe(Row row) {
        return String.format(Locale.ROOT, "%s: published %d (%d distinct), results %d distinct, lost %d, duplicate results %d, "
                        + "duplicate paid calls %d (bound %d), %s, recovery [%s] (worst %.1f s), longest stall [%s], %s in %.0f s", row.scenario(),
                row.published(), row.distinctJobs(), row.distinctResults(), row.lost(), row.duplicateResults(), row.duplicatePaidCalls(),
                row.paidCallBound(), row.check().text(), seconds(row.recoveries()), row.worstRecovery().toMillis() / 1000.0,
                stallSeconds(row.stalls()), row.passed() ? "PASS" : "FAIL", row.took().toMillis() / 1000.0);
    }

    /** Marks a recovery that came only after the next fault: "36.2 (after the next fault)". */
    private static String seconds(List<Recovery> recoveries) {
        return String.join(", ", recoveries.stream()
                .map(recovery -> seconds(recovery.time()) + (recovery.afterNextFault() ? " (after the next fault)" : "")).toList());
    }

    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.1f", duration.toMillis() / 1000.0);
    }

    /** "none" for a fault whose window held no wait (it came after the last job was published). */
    private static String stallSeconds(List<Optional<Duration>> stalls) {
        return String.join(", ", stalls.stream().map(stall -> stall.map(ReliabilityReport::seconds).orElse("none")).toList());
    }

    /** The scenarios whose faults are processor crashes, which the 15 s recovery goal is about. */
    static final List<String> PROCESSOR_CRASHES = List.of("R1", "R8");

    /** Writes docs/reliability.md: the setup the scenarios ran with, what each column means, one row per scenario. */
    static void write(Path out, List<Row> rows, String args, int maxInFlight, Duration modelLatency, Duration commitInterval)
            throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Reliability\n\n");
        md.append("Command: `./benchmarks/run-chaos").append(args.isBlank() ? "" : " " + args).append("`\n\n");
        md.append(String.format(Locale.ROOT, "Run: %s on %d cores, Java %s, %s %s.%n%n", Instant.now(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), System.getProperty("os.name"),
                System.getProperty("os.arch")));
        md.append("Each scenario runs on a fresh local stack of three brokers (replication factor 3, min.insync.replicas 2) and a "
                + "registry, with processor instances in JVMs of their own (max.in.flight " + maxInFlight + ", the defaults otherwise) "
                + "and the model stub (" + modelLatency.toMillis() + " ms per call), under the load in the row's \"load\" column. "
                + "Counts are read by a read_committed consumer after every processor has stopped, so nothing more can be "
                + "written. In R7 the cost aggregator runs too, in a JVM of its own, with the defaults but a 2 s grace, a 10 s idle "
                + "close and a 1 s emit interval (so that its minute windows close soon after the load), and a monthly budget "
                + "for the tenant of 80% of the load's cost, with alerts at 50, 80 and 100% and no hard limit.\n\n");
        md.append("- **Duplicate paid calls** are requests the stub saw again with the same Idempotency-Key (`<jobId>-<attempt>`). "
                + "A call is repeated only when the task that started it moves to another instance, or starts again, before the "
                + "commit that records its completion. Each such move repeats at most the calls in flight and those completed since "
                + "the last commit, so the bound is: task moves × (max.in.flight + completions per second × commit.interval.ms), "
                + "with the row's load for the completions and a commit interval of " + commitInterval.toMillis() + " ms. "
                + "A kill counts two moves (to the survivor, back to the restarted instance); a broker fault two; a scaling step "
                + "two; the model service's outage none.\n");
        md.append("- **Recovery** is, per fault, the time from the fault until every partition of the results topic has a "
                + "result again (the worst partition; a partition with no result after the fault is left out). For R7 it is the time "
                + "until the aggregator writes an aggregate again. For R2 it counts "
                + "from the model service's return. A recovery marked \"after the next fault\" came only after the next fault had "
                + "begun, so it includes that fault's effect too.\n"
                + "- **Longest stall** is, per fault, the longest time any partition of the results topic went without a result, "
                + "among the waits that began between the fault and the next fault (or the end of the load): it also counts a "
                + "partition that answered once after the fault and then stopped again, as when a restarted instance rejoins the "
                + "group. It is \"none\" for a fault that came after the last job was published (R2's, when the model service returns "
                + "after the load).\n\n");
        md.append("| scenario | faults | load (jobs/s) | published (with resubmits) | distinct jobs | distinct results | lost | duplicate results "
                + "| duplicate paid calls (bound) | scenario check | recovery per fault (s) | longest stall per fault (s) | took (s) | result |\n");
        md.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Row row : rows) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %d | %d | %d | %d | %d | %d (%d) | %s | %s | %s | %.0f | %s |%n",
                    row.scenario(), row.faults(), row.rate(), row.published(), row.distinctJobs(), row.distinctResults(), row.lost(), row.duplicateResults(),
                    row.duplicatePaidCalls(), row.paidCallBound(), row.check().text(), seconds(row.recoveries()), stallSeconds(row.stalls()),
                    row.took().toMillis() / 1000.0, row.passed() ? "pass" : "FAIL"));
        }
        Duration total = rows.stream().map(Row::took).reduce(Duration.ZERO, Duration::plus);
        md.append(String.format(Locale.ROOT, "%nThe suite took %.1f minutes.%n", total.toMillis() / 60_000.0));
        Duration worst = rows.stream().filter(row -> PROCESSOR_CRASHES.contains(row.scenario())).map(Row::worstRecovery)
                .max(Duration::compareTo).orElse(Duration.ZERO);
        md.append(String.format(Locale.ROOT, "%nRecovery goal after kill -9 of a processor instance (R1, R8): 15 s or less. Worst in "
                + "this run: %.1f s, %s.%n", worst.toMillis() / 1000.0, worst.compareTo(Duration.ofSeconds(15)) <= 0 ? "met" : "not met"));
        Files.writeString(out, md.toString());
    }
}
