package io.aijobs.cli;

import java.io.PrintWriter;

/** A one-line progress bar on a terminal; on anything else, a line every tenth of the way. */
final class Progress {

    private static final int WIDTH = 30;
    private final PrintWriter out;
    private final int total;
    private final boolean terminal = System.console() != null;
    private int lastTenth = -1;
    private long lastDraw;

    Progress(PrintWriter out, int total) {
        this.out = out;
        this.total = Math.max(1, total);
    }

    void update(int done) {
        if (terminal) {
            long now = System.nanoTime();
            if (done < total && now - lastDraw < 100_000_000L) {
                return;
            }
            lastDraw = now;
            int filled = (int) ((long) WIDTH * done / total);
            out.print("\r[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + done + "/" + total);
            out.flush();
        } else {
            int tenth = (int) (10L * done / total);
            if (tenth != lastTenth && tenth > 0) {
                lastTenth = tenth;
                out.println("  " + done + "/" + total);
            }
        }
    }

    void finish() {
        if (terminal) {
            out.println();
        }
    }
}
