package io.aijobs.costs;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicNames;
import io.aijobs.serde.AvroSerdeConfig;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import io.aijobs.application.StreamsAppConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Configuration of the cost aggregator. Invalid values fail at start-up naming the key; {@code streams.*} keys go to
 * Kafka Streams; the processing guarantee is always {@code exactly_once_v2}.
 */
public final class CostAggregatorConfig extends StreamsAppConfig {

    public static final String PRICING_FILE_CONFIG = "pricing.file";
    public static final String WINDOWS_CONFIG = "windows";
    public static final String GRACE_MS_CONFIG = "window.grace.ms";
    public static final String EMIT_INTERVAL_MS_CONFIG = "emit.interval.ms";
    public static final String IDLE_CLOSE_MS_CONFIG = "window.idle.close.ms";
    public static final String BUDGETS_CONFIG = "budgets";
    public static final String BUDGET_DEFAULT_CONFIG = "budget.default";
    public static final String BUDGET_THRESHOLDS_CONFIG = "budget.alert.thresholds";
    public static final String BUDGET_HARD_LIMIT_PERCENT_CONFIG = "budget.hard.limit.percent";
    public static final String HTTP_PORT_CONFIG = "http.port";
    public static final String HTTP_HOST_CONFIG = "http.host";
    public static final String METRICS_TENANT_TAG_LIMIT_CONFIG = "metrics.tenant.tag.limit";

    private static final ConfigDef CONFIG = baseConfigDef("aijobs-cost-aggregator")
            .define(PRICING_FILE_CONFIG, Type.STRING, "", Importance.MEDIUM,
                    "Price file (CSV, see PriceBook) loaded at start; the prices topic updates it while running.")
            .define(WINDOWS_CONFIG, Type.LIST, "PT1M,PT1H", Importance.MEDIUM,
                    "Tumbling windows, as ISO-8601 durations; the calendar month (UTC) is always kept as well.")
            .define(GRACE_MS_CONFIG, Type.LONG, 60_000L, Range.atLeast(0), Importance.MEDIUM,
                    "How long after its end a window still takes late usage records; later ones are counted as late.")
            .define(EMIT_INTERVAL_MS_CONFIG, Type.LONG, 10_000L, Range.between(100, 3_600_000), Importance.LOW,
                    "How often open windows that changed are written as PARTIAL aggregates.")
            .define(IDLE_CLOSE_MS_CONFIG, Type.LONG, 60_000L, Range.atLeast(0), Importance.MEDIUM,
                    "When usage stops, windows close by the wall clock: once a task has had no usage record for this "
                            + "long, a window's FINAL is written at most this long (plus emit.interval.ms) after its end plus "
                            + "grace; records for it after that are counted as late. A task catching up on a backlog closes "
                            + "windows by stream time only.")
            .define(BUDGETS_CONFIG, Type.LIST, "", Importance.HIGH,
                    "Monthly budgets: tenant=amount in currency units, comma-separated, e.g. acme=500.00,globex=50.")
            .define(BUDGET_DEFAULT_CONFIG, Type.STRING, "", Importance.MEDIUM,
                    "Monthly budget of a tenant not listed in budgets; empty means no budget.")
            .define(BUDGET_THRESHOLDS_CONFIG, Type.LIST, "50,80,100", Importance.MEDIUM,
                    "Percentages of the budget at which a budget_threshold alert fires, once per period.")
            .define(BUDGET_HARD_LIMIT_PERCENT_CONFIG, Type.INT, 100, Range.between(0, 10_000), Importance.HIGH,
                    "Percentage of the budget at which the processor refuses the tenant's jobs (BUDGET); 0 disables the hard limit.")
            .define(HTTP_PORT_CONFIG, Type.INT, -1, Range.between(-1, 65_535), Importance.MEDIUM,
                    "Port of GET /tenants/{id}/usage; -1 disables it, 0 picks a free port. With several instances set "
                            + "streams.application.server to this instance's host:port.")
            .define(HTTP_HOST_CONFIG, Type.STRING, "127.0.0.1", Importance.LOW, "Address the usage endpoint binds.")
            .define(METRICS_TENANT_TAG_LIMIT_CONFIG, Type.INT, 100, Range.atLeast(1), Importance.LOW,
                    "Distinct tenant tag values in metrics; further tenants are tagged 'other'.");

    public CostAggregatorConfig(Map<?, ?> props) {
        super(CONFIG, props, "the cost aggregator");
        windows();
        budgets();
        defaultBudget();
        thresholds();
    }

    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    /** The tumbling windows and the month. */
    public List<WindowSpec> windows() {
        List<WindowSpec> windows = new ArrayList<>();
        for (String text : getList(WINDOWS_CONFIG)) {
            try {
                windows.add(WindowSpec.tumbling(Duration.parse(text.trim())));
            } catch (DateTimeParseException | IllegalArgumentException e) {
                throw new ConfigException(WINDOWS_CONFIG, text, "not a positive ISO-8601 duration such as PT1M");
            }
        }
        windows.add(WindowSpec.month());
        try {
            AggregatorSettings.checkRollUp(windows);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(WINDOWS_CONFIG, getList(WINDOWS_CONFIG), e.getMessage());
        }
        return windows;
    }

    public Duration grace() {
        return Duration.ofMillis(getLong(GRACE_MS_CONFIG));
    }

    public Duration emitInterval() {
        return Duration.ofMillis(getLong(EMIT_INTERVAL_MS_CONFIG));
    }

    public Duration idleClose() {
        return Duration.ofMillis(getLong(IDLE_CLOSE_MS_CONFIG));
    }

    /** Monthly budgets in nano-units, by tenant. */
    public Map<String, Long> budgets() {
        Map<String, Long> budgets = new HashMap<>();
        for (String entry : getList(BUDGETS_CONFIG)) {
            String[] pair = entry.split("=", 2);
            if (pair.length != 2 || !TenantId.isValid(pair[0].trim())) {
                throw new ConfigException(BUDGETS_CONFIG, entry, "expected tenant=amount with a valid tenant id");
            }
            budgets.put(pair[0].trim(), nanos(BUDGETS_CONFIG, pair[1]));
        }
        return budgets;
    }

    public Optional<Long> defaultBudget() {
        String text = getString(BUDGET_DEFAULT_CONFIG).trim();
        return text.isEmpty() ? Optional.empty() : Optional.of(nanos(BUDGET_DEFAULT_CONFIG, text));
    }

    public List<Integer> thresholds() {
        List<Integer> thresholds = new ArrayList<>();
        for (String text : getList(BUDGET_THRESHOLDS_CONFIG)) {
            try {
                int percent = Integer.parseInt(text.trim());
                if (percent <= 0) {
                    throw new NumberFormatException();
                }
                thresholds.add(percent);
            } catch (NumberFormatException e) {
                throw new ConfigException(BUDGET_THRESHOLDS_CONFIG, text, "expected positive whole percentages such as 50,80,100");
            }
        }
        thresholds.sort(null);
        return thresholds;
    }

    public int hardLimitPercent() {
        return getInt(BUDGET_HARD_LIMIT_PERCENT_CONFIG);
    }

    private static long nanos(String key, String amount) {
        try {
            BigDecimal value = new BigDecimal(amount.trim());
            if (value.signum() < 0) {
                throw new ConfigException(key, amount, "a budget cannot be negative");
            }
            return value.multiply(BigDecimal.valueOf(1_000_000_000L)).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ConfigException(key, amount, "expected an amount in currency units with at most 9 decimals");
        }
    }

    /** The Kafka Streams properties (see {@link StreamsAppConfig#streamsProperties(Map)}). */
    public Properties streamsProperties() {
        return streamsProperties(Map.of());
    }
}
