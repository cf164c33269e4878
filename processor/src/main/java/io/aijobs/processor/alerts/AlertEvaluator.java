package io.aijobs.processor.alerts;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicNames;
import io.aijobs.schema.Alert;
import io.aijobs.schema.AlertSeverity;
import io.aijobs.schema.AlertState;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.state.AlertBucket;
import io.aijobs.schema.state.AlertWindow;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Counts failure signals per scope ({@code tenant/<id>} or {@code category/<CATEGORY>}) over a sliding window and
 * emits an {@link Alert} when a rule starts or stops holding: one FIRING record per crossing, one RESOLVED record
 * when it clears (below half its threshold: hysteresis against flapping). Which alerts fire is kept in the changelogged {@value AlertTopology#WINDOWS_STORE} store and
 * written in the same transaction as the alerts, so a restart neither repeats nor loses a crossing.
 *
 * <p>Input: key = scope, value = signal ({@link #COMPLETED}, {@link #DEAD_LETTERED}, {@link #RETRY}), already
 * partitioned by scope. Time is the wall clock of the processor.
 */
final class AlertEvaluator implements Processor<String, String, String, Alert> {

    static final String COMPLETED = "completed";
    static final String DEAD_LETTERED = "dead_lettered";
    static final String RETRY = "retry";
    static final String TENANT_SCOPE = "tenant/";
    static final String CATEGORY_SCOPE = "category/";

    static final String DLT_RATE = "dlt_rate";
    static final String RETRY_BACKLOG = "retry_backlog";
    static final String DLT_CATEGORY = "dlt_category";

    private final AlertRules rules;
    private final TopicNames names;
    private ProcessorContext<String, Alert> context;
    private KeyValueStore<String, AlertWindow> windows;

    AlertEvaluator(AlertRules rules, TopicNames names) {
        this.rules = rules;
        this.names = names;
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
        this.context = context;
        this.windows = context.getStateStore(AlertTopology.WINDOWS_STORE);
        context.schedule(rules.evaluationInterval(), PunctuationType.WALL_CLOCK_TIME, this::evaluateAll);
    }

    @Override
    public void process(Record<String, String> record) {
        if (record.key() == null || record.value() == null) {
            return;
        }
        long now = context.currentSystemTimeMs();
        AlertWindow window = windows.get(record.key());
        if (window == null) {
            window = AlertWindow.newBuilder().setBuckets(new ArrayList<>()).setFiringSince(new HashMap<>()).build();
        }
        AlertBucket bucket = bucket(window, now);
        switch (record.value()) {
            case COMPLETED -> bucket.setCompleted(bucket.getCompleted() + 1);
            case DEAD_LETTERED -> bucket.setDeadLettered(bucket.getDeadLettered() + 1);
            case RETRY -> bucket.setRetries(bucket.getRetries() + 1);
            default -> {
                return;
            }
        }
        evaluate(record.key(), window, now);
    }

    private void evaluateAll(long now) {
        List<KeyValue<String, AlertWindow>> all = new ArrayList<>();
        try (KeyValueIterator<String, AlertWindow> iterator = windows.all()) {
            iterator.forEachRemaining(all::add);
        }
        for (KeyValue<String, AlertWindow> entry : all) {
            evaluate(entry.key, entry.value, now);
        }
    }

    private AlertBucket bucket(AlertWindow window, long now) {
        long start = now - Math.floorMod(now, rules.bucketMillis());
        List<AlertBucket> buckets = window.getBuckets();
        if (!buckets.isEmpty() && buckets.get(buckets.size() - 1).getStart() == start) {
            return buckets.get(buckets.size() - 1);
        }
        AlertBucket bucket = AlertBucket.newBuilder().setStart(start).build();
        buckets.add(bucket);
        return bucket;
    }

    private void evaluate(String scope, AlertWindow window, long now) {
        long oldest = now - rules.window().toMillis();
        // a decoded Avro array cannot remove in place: keep a plain list
        window.setBuckets(new ArrayList<>(window.getBuckets().stream()
                .filter(bucket -> bucket.getStart() + rules.bucketMillis() > oldest).toList()));
        window.setFiringSince(new HashMap<>(window.getFiringSince()));
        long completed = window.getBuckets().stream().mapToLong(AlertBucket::getCompleted).sum();
        long deadLettered = window.getBuckets().stream().mapToLong(AlertBucket::getDeadLettered).sum();
        long retries = window.getBuckets().stream().mapToLong(AlertBucket::getRetries).sum();
        Map<String, Long> firing = window.getFiringSince();
        if (scope.startsWith(TENANT_SCOPE)) {
            String tenant = scope.substring(TENANT_SCOPE.length());
            long finished = completed + deadLettered;
            BigDecimal rate = finished == 0 ? BigDecimal.ZERO
                    : BigDecimal.valueOf(deadLettered).divide(BigDecimal.valueOf(finished), 4, RoundingMode.HALF_UP);
            boolean rateHigh = finished >= rules.dltRateMinJobs() && rate.compareTo(rules.dltRate()) >= 0;
            // hysteresis: cleared below half the threshold (or too few jobs), so the alert does not flap around it
            boolean rateLow = finished < rules.dltRateMinJobs()
                    || rate.multiply(BigDecimal.valueOf(2)).compareTo(rules.dltRate()) < 0;
            transition(firing, DLT_RATE, rateHigh, rateLow, now,
                    state -> alert("dlt-rate/tenant/" + tenant, DLT_RATE, tenant, subjectOf(tenant, TopicNames.TenantTopic.DLT),
                            String.format("Tenant %s: %d of %d finished jobs dead-lettered in the last %s (threshold %s)", tenant,
                                    deadLettered, finished, rules.window(), rules.dltRate().toPlainString()),
                            rate.toPlainString(), rules.dltRate().toPlainString(), state, firing, now,
                            Map.of("dead_lettered", Long.toString(deadLettered), "finished", Long.toString(finished))));
            transition(firing, RETRY_BACKLOG, retries >= rules.retries(), retries * 2 < rules.retries(), now,
                    state -> alert("retry-backlog/tenant/" + tenant, RETRY_BACKLOG, tenant, subjectOf(tenant, TopicNames.TenantTopic.JOBS),
                            String.format("Tenant %s: %d retries scheduled in the last %s (threshold %d)", tenant, retries,
                                    rules.window(), rules.retries()),
                            Long.toString(retries), Integer.toString(rules.retries()), state, firing, now, Map.of()));
        } else if (scope.startsWith(CATEGORY_SCOPE)) {
            String category = scope.substring(CATEGORY_SCOPE.length());
            long dead = deadLettered;
            // one attempt to cross a tenant boundary (or to run as an unprovisioned tenant) is one too many
            boolean security = FailureCategory.SECURITY.name().equals(category);
            int threshold = security ? 1 : rules.categoryDeadLetters();
            transition(firing, DLT_CATEGORY, dead >= threshold, dead * 2 < threshold, now,
                    state -> {
                        Alert alert = alert("dlt-category/" + category, DLT_CATEGORY, null, category,
                                String.format("%d dead letters of category %s across tenants in the last %s (threshold %d)", dead,
                                        category, rules.window(), threshold),
                                Long.toString(dead), Integer.toString(threshold), state, firing, now, Map.of());
                        if (security) {
                            alert.setSeverity(AlertSeverity.CRITICAL);
                        }
                        return alert;
                    });
        }
        if (window.getBuckets().isEmpty() && firing.isEmpty()) {
            windows.delete(scope);
        } else {
            windows.put(scope, window);
        }
    }

    private String subjectOf(String tenant, TopicNames.TenantTopic kind) {
        return TenantId.isValid(tenant) ? names.tenantTopic(TenantId.of(tenant), kind) : tenant;
    }

    private interface AlertBuilder {
        Alert build(AlertState state);
    }

    /**
     * Emits on a change only: FIRING when {@code fires} starts to hold, RESOLVED once {@code clears} holds (below half
     * the threshold), so that a value hovering at the threshold gives one alert, not a stream of them.
     */
    private void transition(Map<String, Long> firing, String type, boolean fires, boolean clears, long now, AlertBuilder alert) {
        boolean wasFiring = firing.containsKey(type);
        if (fires && !wasFiring) {
            firing.put(type, now);
            forward(alert.build(AlertState.FIRING), now);
        } else if (clears && wasFiring) {
            forward(alert.build(AlertState.RESOLVED), now);
            firing.remove(type);
        }
    }

    private void forward(Alert alert, long now) {
        context.forward(new Record<>(alert.getAlertKey(), alert, now));
    }

    private static Alert alert(String key, String type, String tenant, String subject, String message, String observed,
                               String threshold, AlertState state, Map<String, Long> firing, long now, Map<String, String> attributes) {
        long since = firing.getOrDefault(type, now);
        return Alert.newBuilder()
                .setAlertKey(key)
                .setType(type)
                .setSeverity(AlertSeverity.WARNING)
                .setState(state)
                .setTenantId(tenant)
                .setSubject(subject)
                .setMessage(state == AlertState.RESOLVED ? "Resolved: " + message : message)
                .setSince(Instant.ofEpochMilli(since))
                .setEmittedAt(Instant.ofEpochMilli(now))
                .setObserved(observed)
                .setThreshold(threshold)
                .setAttributes(new HashMap<>(attributes))
                .build();
    }
}
