package io.aijobs.benchmarks;

import io.aijobs.schema.AggregateStatus;
import io.aijobs.schema.Alert;
import io.aijobs.schema.AlertState;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.ModelCallUsage;
import io.aijobs.schema.UsageAggregate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What R7 reads back from a scenario's topics: the results' and the usage records' costs, the cost aggregator's
 * minute aggregates and its budget alerts, and whether they agree to the nano-unit.
 */
final class CostLedger {

    private final CommittedRecords records;
    private final BenchScenario scenario;

    CostLedger(CommittedRecords records, BenchScenario scenario) {
        this.records = records;
        this.scenario = scenario;
    }

    /** The cost of the probe job's call, read from the usage topic (the only call made so far). */
    long probeCostNanos() throws Exception {
        List<ModelCallUsage> usage = records.decodeAll(scenario.names.usage(), ModelCallUsage.class);
        if (usage.size() != 1) {
            throw new IllegalStateException("expected the probe job's usage record alone, found " + usage.size());
        }
        return usage.get(0).getCost().getAmountNanos();
    }

    /** From {@code at} until the first aggregate committed after it (the aggregator writes every emit interval), or null. */
    Duration aggregatesAfter(long at) {
        long first = Long.MAX_VALUE;
        for (ConsumerRecord<String, byte[]> record : records.readAll(scenario.names.usageAggregates())) {
            if (record.timestamp() >= at) {
                first = Math.min(first, record.timestamp());
            }
        }
        return first == Long.MAX_VALUE ? null : Duration.ofMillis(first - at);
    }

    /** Whether every minute window of the tenant is closed, through the minute of the last call. */
    boolean minutesClosed() throws Exception {
        long lastCall = records.decodeAll(scenario.names.usage(), ModelCallUsage.class).stream()
                .mapToLong(record -> record.getCompletedAt().toEpochMilli()).max().orElse(0);
        long lastMinute = lastCall / 60_000 * 60_000;
        boolean lastClosed = false;
        for (List<UsageAggregate> window : minuteAggregates().values()) {
            UsageAggregate latest = window.get(window.size() - 1);
            if (latest.getStatus() != AggregateStatus.FINAL) {
                return false;
            }
            lastClosed |= latest.getWindowStart().toEpochMilli() == lastMinute;
        }
        return lastClosed;
    }

    /**
     * The results' costs equal the usage records' costs and the FINAL minute aggregates' costs (per model and tenant
     * totals) to the nano-unit; each minute window has one FINAL; each budget threshold was alerted once on the
     * platform's and on the tenant's alert topics.
     */
    ChaosSuite.Verdict verdict() throws Exception {
        long resultsCost = records.decodeAll(scenario.names.results(scenario.tenant), JobResult.class).stream()
                .mapToLong(result -> result.getCost().getAmountNanos()).sum();
        long usageCost = records.decodeAll(scenario.names.usage(), ModelCallUsage.class).stream()
                .mapToLong(record -> record.getCost().getAmountNanos()).sum();
        Map<String, List<UsageAggregate>> minutes = minuteAggregates();
        long finals = 0;
        long modelsCost = 0;
        long totalsCost = 0;
        long windowsNotOnceFinal = 0;
        for (List<UsageAggregate> window : minutes.values()) {
            List<UsageAggregate> closed = window.stream().filter(a -> a.getStatus() == AggregateStatus.FINAL).toList();
            finals += closed.size();
            windowsNotOnceFinal += closed.size() == 1 ? 0 : 1;
            long cost = closed.isEmpty() ? 0 : closed.get(closed.size() - 1).getCostNanos();
            if (window.get(0).getModel() == null) {
                totalsCost += cost;
            } else {
                modelsCost += cost;
            }
        }
        String budgetPrefix = "budget/" + scenario.tenant.value() + "/";
        Map<String, Long> platformAlerts = budgetAlerts(scenario.names.alerts(), budgetPrefix);
        Map<String, Long> tenantAlerts = budgetAlerts(scenario.names.tenantAlerts(scenario.tenant), budgetPrefix);
        boolean alertsOnce = platformAlerts.size() == 3 && tenantAlerts.equals(platformAlerts)
                && platformAlerts.values().stream().allMatch(count -> count == 1);
        boolean ok = resultsCost == usageCost && modelsCost == resultsCost && totalsCost == resultsCost
                && windowsNotOnceFinal == 0 && alertsOnce;
        return new ChaosSuite.Verdict(ok, String.format(Locale.ROOT, "cost in nano-units: results %d, usage records %d, FINAL "
                        + "minute aggregates per model %d and tenant totals %d (%d windows, %d FINALs, %d windows without exactly "
                        + "one); budget alerts on the platform's topic %s, on the tenant's %s", resultsCost, usageCost,
                modelsCost, totalsCost, minutes.size(), finals, windowsNotOnceFinal, platformAlerts, tenantAlerts));
    }

    /** The tenant's minute aggregates by window, in the order written (read_committed). */
    private Map<String, List<UsageAggregate>> minuteAggregates() throws Exception {
        Map<String, List<UsageAggregate>> byKey = new TreeMap<>();
        for (UsageAggregate aggregate : records.decodeAll(scenario.names.usageAggregates(), UsageAggregate.class)) {
            if (aggregate.getWindow().equals("PT1M") && aggregate.getTenantId().equals(scenario.tenant.value())) {
                byKey.computeIfAbsent(aggregate.getAggregateKey(), k -> new ArrayList<>()).add(aggregate);
            }
        }
        return byKey;
    }

    /** FIRING budget_threshold alerts by threshold ("80%"), among those whose key starts with {@code prefix}. */
    private Map<String, Long> budgetAlerts(String topic, String prefix) throws Exception {
        Map<String, Long> counts = new TreeMap<>();
        for (Alert alert : records.decodeAll(topic, Alert.class)) {
            if (alert.getType().equals("budget_threshold") && alert.getState() == AlertState.FIRING
                    && alert.getAlertKey().startsWith(prefix)) {
                counts.merge(alert.getAlertKey().substring(alert.getAlertKey().lastIndexOf('/') + 1) + "%", 1L, Long::sum);
            }
        }
        return counts;
    }
}
