package io.aijobs.cli;

import io.aijobs.contracts.TenantId;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/**
 * The per-tenant table of {@code aijobs dev}: redrawn in place on a terminal, printed every five seconds elsewhere
 * (logs, CI).
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

    /** {@code counts} per tenant: jobs, results, dead letters (records on each topic). */
    void render(Map<TenantId, long[]> counts, long published, long failed) {
        long now = System.nanoTime();
        if (!terminal && now - lastPrint < 5_000_000_000L) {
            return;
        }
        lastPrint = now;
        StringBuilder table = new StringBuilder();
        table.append(String.format("%-12s %8s %8s %8s%n", "tenant", "jobs", "results", "dlt"));
        long jobs = 0;
        for (TenantId tenant : tenants) {
            long[] row = counts.get(tenant);
            jobs += row[0];
            table.append(String.format("%-12s %8d %8d %8d%n", tenant.value(), row[0], row[1], row[2]));
        }
        table.append(String.format("published %d, failed %d, on topics %d%n", published, failed, jobs));
        if (terminal && drawnLines > 0) {
            out.print("\033[" + drawnLines + "A\033[J");
        }
        out.print(table);
        out.flush();
        drawnLines = tenants.size() + 2;
    }
}
