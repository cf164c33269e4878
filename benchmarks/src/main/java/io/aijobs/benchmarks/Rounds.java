package io.aijobs.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/**
 * One figure measured in rounds: its median, its range, and whether the rounds agree well enough to quote it. A figure
 * whose rounds spread by more than {@link #MAX_SPREAD} of their median is reported as unstable, not as a result.
 */
final class Rounds {

    /** Default rounds per figure. */
    static final int DEFAULT = 3;
    /** Most spread ((highest - lowest) / median) of a figure that is quoted as a result. */
    static final double MAX_SPREAD = 0.20;
    /** Steady state each rate run spans at least: its record count is this times the rate it is expected to reach. */
    static final double STEADY_SECONDS = 20;

    private final List<Double> values = new ArrayList<>();

    void add(double value) {
        values.add(value);
    }

    int size() {
        return values.size();
    }

    double median() {
        double[] sorted = sorted();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    double min() {
        return sorted()[0];
    }

    double max() {
        double[] sorted = sorted();
        return sorted[sorted.length - 1];
    }

    /** (highest - lowest) / median. */
    double spread() {
        return (max() - min()) / median();
    }

    boolean stable() {
        return values.size() >= 2 && spread() <= MAX_SPREAD;
    }

    /** This figure over {@code baseline}'s, round by round (the rounds were measured in pairs). */
    Rounds over(Rounds baseline) {
        if (baseline.values.size() != values.size()) {
            throw new IllegalArgumentException("paired rounds differ in number: " + values.size() + " and " + baseline.values.size());
        }
        Rounds ratios = new Rounds();
        for (int i = 0; i < values.size(); i++) {
            ratios.add(values.get(i) / baseline.values.get(i));
        }
        return ratios;
    }

    /** Each round's value, formatted, in the order measured. */
    String each(String format, DoubleUnaryOperator scale) {
        return String.join(", ", values.stream().map(v -> String.format(Locale.ROOT, format, scale.applyAsDouble(v))).toList());
    }

    /** "median (lowest to highest)", e.g. "1029 jobs/s (1010 to 1050)". */
    String range(String format) {
        return String.format(Locale.ROOT, format, median()) + " (" + String.format(Locale.ROOT, format, min()) + " to "
                + String.format(Locale.ROOT, format, max()) + ")";
    }

    /**
     * A ratio's cell: its median in bold with each round's value and the spread, or, when the rounds disagree by more
     * than {@link #MAX_SPREAD}, "unstable" with the same detail and no bold figure.
     */
    String ratioCell(String format, DoubleUnaryOperator scale) {
        String detail = "rounds " + each(format, scale) + "; spread " + Math.round(100 * spread()) + "%";
        return stable() ? "**" + String.format(Locale.ROOT, format, scale.applyAsDouble(median())) + "** (" + detail + ")"
                : "unstable (" + detail + ")";
    }

    /** Records for a rate run expected at {@code rate}/s to span {@link #STEADY_SECONDS} between its 10th and 90th percentile. */
    static int recordsFor(double rate, int least, int most) {
        long records = (long) Math.ceil(rate * STEADY_SECONDS / 0.8);
        return (int) Math.max(least, Math.min(most, records));
    }

    private double[] sorted() {
        if (values.isEmpty()) {
            throw new IllegalStateException("no rounds");
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        return sorted;
    }
}
