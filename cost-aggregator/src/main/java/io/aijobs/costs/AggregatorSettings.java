package io.aijobs.costs;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the aggregator needs from its configuration, as plain values (so tests can build it directly).
 *
 * @param idleClose how long after a window's end plus grace, by the wall clock, it closes when no usage record has moved
 *                  stream time past it, once the task has had no usage record for that long
 */
record AggregatorSettings(List<WindowSpec> windows, Duration grace, Duration emitInterval, Map<String, Long> budgets,
                          Optional<Long> defaultBudget, List<Integer> thresholds, int hardLimitPercent, Duration idleClose) {

    static AggregatorSettings from(CostAggregatorConfig config) {
        return new AggregatorSettings(config.windows(), config.grace(), config.emitInterval(), config.budgets(),
                config.defaultBudget(), config.thresholds(), config.hardLimitPercent(), config.idleClose());
    }

    AggregatorSettings {
        windows = List.copyOf(windows);
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("at least one window is needed");
        }
        checkRollUp(windows);
    }

    /** Every window must be a whole number of the shortest one, which is what the others are rolled up from. */
    static void checkRollUp(List<WindowSpec> windows) {
        WindowSpec base = base(windows);
        for (WindowSpec window : windows) {
            boolean rollsUp = window.isMonth() ? base.isMonth() || DAY_MS % base.length().toMillis() == 0
                    : window.length().toMillis() % base.length().toMillis() == 0;
            if (!rollsUp) {
                throw new IllegalArgumentException("window " + window.label() + " is not a whole number of " + base.label()
                        + " windows: every window must be rolled up from the shortest one (whose length must divide a day)");
            }
        }
    }

    private static final long DAY_MS = 24L * 3600 * 1000;

    /** The shortest window: the only one each usage record updates; the others are rolled up from it. */
    WindowSpec base() {
        return base(windows);
    }

    private static WindowSpec base(List<WindowSpec> windows) {
        return windows.stream().filter(w -> !w.isMonth()).min(java.util.Comparator.comparing(WindowSpec::length))
                .orElse(windows.get(0));
    }

    WindowSpec window(String label) {
        return windows.stream().filter(w -> w.label().equals(label)).findFirst()
                .orElseGet(() -> WindowSpec.MONTH.equals(label) ? WindowSpec.month() : WindowSpec.tumbling(java.time.Duration.parse(label)));
    }

    /** The tenant's monthly budget in nano-units, or null. */
    Long budget(String tenant) {
        Long budget = budgets.get(tenant);
        return budget != null ? budget : defaultBudget.orElse(null);
    }
}
