package io.aijobs.costs;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the aggregator needs from its configuration, as plain values (so tests can build it directly). */
record AggregatorSettings(List<WindowSpec> windows, Duration grace, Duration emitInterval, Map<String, Long> budgets,
                          Optional<Long> defaultBudget, List<Integer> thresholds, int hardLimitPercent) {

    static AggregatorSettings from(CostAggregatorConfig config) {
        return new AggregatorSettings(config.windows(), config.grace(), config.emitInterval(), config.budgets(),
                config.defaultBudget(), config.thresholds(), config.hardLimitPercent());
    }

    /** The tenant's monthly budget in nano-units, or null. */
    Long budget(String tenant) {
        Long budget = budgets.get(tenant);
        return budget != null ? budget : defaultBudget.orElse(null);
    }
}
