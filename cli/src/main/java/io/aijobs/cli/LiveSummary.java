package io.aijobs.cli;

import io.aijobs.contracts.TenantId;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.util.List;

/**
 * The per-tenant table of {@code aijobs dev}, for the jobs of this run: redrawn in place on a terminal, printed
 * every five seconds elsewhere (logs, CI) and once more at the end.
 */
final class LiveSummary {

    private final PrintWriter out;
    private final List<TenantId> tenants;
    private final boolean terminal = System.console() != null;
    private int drawnLines;
    private long lastPrint;

    LiveSummary(PrintWriter out, List<TenantId> tenants) {
        this.out = out;
        this.tenants = tenants;
    }

    void render(ResultTally tally, long failedToPublish, boolean force) {
        long now = System.nanoTime();
        if (!terminal && !force && now - lastPrint < 5_000_000_000L) {
            return;
        }
        lastPrint = now;
        StringBuilder table = new StringBuilder();
        table.append(String.format("%-12s %7s %8s %6s %14s %7s %14s %10s %10s%n", "tenant", "jobs", "results", "dlt", "cost (USD)",
                "cached", "saved (USD)", "model ms", "e2e ms"));
        long published = 0;
        long results = 0;
        long deadLetters = 0;
        long cost = 0;
        long cached = 0;
        long saved = 0;
        for (TenantId tenant : tenants) {
            ResultTally.Figures figures = tally.figures(tenant.value());
            published += figures.published;
            results += figures.results;
            deadLetters += figures.deadLetters;
            cost += figures.costNanos;
            cached += figures.cached;
            saved += figures.savedNanos;
            table.append(String.format("%-12s %7d %8d %6d %14s %7d %14s %10d %10d%n", tenant.value(), figures.published, figures.results,
                    figures.deadLetters, usd(figures.costNanos), figures.cached, usd(figures.savedNanos), figures.averageModelLatencyMs(),
                    figures.averageEndToEndMs()));
        }
        table.append(String.format("published %d, failed to publish %d, results %d, dead letters %d, cost %s USD, "
                        + "answered from the response cache %d (saved %s USD)%n",
                published, failedToPublish, results, deadLetters, usd(cost), cached, usd(saved)));
        if (terminal && drawnLines > 0) {
            out.print("\033[" + drawnLines + "A\033[J");
        }
        out.print(table);
        out.flush();
        drawnLines = tenants.size() + 2;
    }

    static String usd(long nanos) {
        return BigDecimal.valueOf(nanos, 9).toPlainString();
    }
}
