package io.aijobs.benchmarks;

/**
 * The rates of one kind of run over a benchmark's rounds, and how many records its next run gets: enough for
 * {@link Rounds#STEADY_SECONDS} of steady state at the rate it last reached (a warm-up's or an estimate at first), or a
 * fixed count when one was asked for.
 */
final class RateSeries {

    final Rounds rates = new Rounds();
    /** The record counts of the counted runs, in order. */
    private final java.util.List<Integer> counted = new java.util.ArrayList<>();
    private final int fixed;
    private final int least;
    private final int most;
    private double estimate;

    /** @param fixed a record count for every run, or 0 to scale it to the rate */
    RateSeries(double firstEstimate, int fixed, int least, int most) {
        this.estimate = firstEstimate;
        this.fixed = fixed;
        this.least = least;
        this.most = most;
    }

    int nextRecords() {
        return fixed > 0 ? fixed : Rounds.recordsFor(estimate, least, most);
    }

    /** The record counts of the counted runs, e.g. "412000, 398000, 405000"; one counted though short is marked so. */
    String records() {
        return String.join(", ", counted.stream().map(n -> n < 0 ? -n + " (short)" : String.valueOf(n)).toList());
    }

    /** One run of the kind: given its record count, returns the rate it measured. */
    @FunctionalInterface
    interface Run {
        double rate(int records) throws Exception;
    }

    /** Shortest steady state a counted run may have: a run found shorter (its rate above the estimate) is run again. */
    static final double LEAST_STEADY_SECONDS = 0.75 * Rounds.STEADY_SECONDS;

    /**
     * Runs {@code run} with {@link #nextRecords()} and counts its rate; a run whose steady state (its 10th to 90th
     * percentile, at the rate it measured) was shorter than {@link #LEAST_STEADY_SECONDS} is not counted and runs again,
     * sized to that rate, at most twice (a fixed count is always counted).
     */
    double measure(String label, Run run) throws Exception {
        for (int attempt = 0; ; attempt++) {
            int records = nextRecords();
            double rate = run.rate(records);
            double steadySeconds = records * 0.8 / rate;
            estimate = rate;
            if (fixed > 0 || steadySeconds >= LEAST_STEADY_SECONDS || records >= most || attempt == 2) {
                rates.add(rate);
                counted.add(steadySeconds < LEAST_STEADY_SECONDS ? -records : records);
                System.out.printf("%s: %d records, %.0f/s, %.1f s of steady state%n", label, records, rate, steadySeconds);
                return rate;
            }
            System.out.printf("%s: %d records at %.0f/s is %.1f s of steady state, too short: not counted, run again%n", label, records,
                    rate, steadySeconds);
        }
    }
}
