package io.aijobs.costs;

import static io.aijobs.costs.WindowStates.HIGHEST_DURATION_MS;
import static io.aijobs.costs.WindowStates.HIGHEST_LATENCY_MS;
import static io.aijobs.costs.WindowStates.decode;
import static io.aijobs.costs.WindowStates.encode;
import static io.aijobs.costs.WindowStates.key;
import static io.aijobs.costs.WindowStates.merge;
import static io.aijobs.costs.WindowStates.newState;
import static io.aijobs.costs.WindowStates.summary;
import static io.aijobs.costs.WindowStates.targets;
import static io.aijobs.costs.WindowStates.view;

import io.aijobs.contracts.CallOutcomes;
import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicNames;
import io.aijobs.costs.WindowStates.Part;
import io.aijobs.costs.WindowStates.Target;
import io.aijobs.pricing.PriceBook;
import io.aijobs.pricing.PricedCall;
import io.aijobs.schema.AggregateStatus;
import io.aijobs.schema.Alert;
import io.aijobs.schema.AlertSeverity;
import io.aijobs.schema.AlertState;
import io.aijobs.schema.CallOutcome;
import io.aijobs.schema.Cost;
import io.aijobs.schema.ModelCallUsage;
import io.aijobs.schema.TenantSpend;
import io.aijobs.schema.UsageAggregate;
import io.aijobs.schema.state.UsageWindowState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.HdrHistogram.AbstractHistogram;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns usage records (one per model-call attempt, keyed and so partitioned by tenant) into per-tenant and
 * per-(tenant, model) windows, the tenant's spend in the billing period, and budget alerts.
 *
 * <p>Money: the cost the processor recorded on the usage record is taken as is (so aggregates add up to the results'
 * costs exactly); a call the processor could not price is priced from the {@link PriceBook} at its completion time,
 * or counted as unpriced, with an {@code unpriced_model} alert, never as free.
 *
 * <p>Time: windows follow event time (the call's completion) and close when stream time passes their end plus the
 * grace; a record for a closed window is counted as late in its tenant's month aggregate. Percentiles come from
 * HdrHistograms kept in the store and published with each aggregate, so they can be merged, never averaged.
 *
 * <p>Exactly once: windows, spend and the alerts already sent live in changelogged stores written in the
 * transaction of the records that changed them, so a restart neither repeats nor loses an alert.
 */
final class UsageAggregator implements Processor<String, ModelCallUsage, String, Object> {

    private static final Logger log = LoggerFactory.getLogger(UsageAggregator.class);
    /** Decoded sketches of a window take 1 to 4 KiB (sized to the values seen): 8,000 windows stay under about 60 MiB. */
    private static final int CACHE_ENTRIES = 8_000;
    /** A base window's state is a few hundred bytes: 20,000 stay under about 20 MiB. */
    private static final int STATE_CACHE_ENTRIES = 20_000;

    private final AggregatorSettings settings;
    private final PriceBook prices;
    private final TopicNames names;
    private final AggregatorMetrics metrics;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, UsageWindowState> windows;
    private KeyValueStore<String, Long> sent;
    /** Open windows by the stream time at which they close. */
    private final TreeMap<Long, Set<String>> closing = new TreeMap<>();
    /** Open windows changed since they were last written as PARTIAL. */
    private final Set<String> dirty = new HashSet<>();
    private final Set<String> dirtySpend = new HashSet<>();
    /**
     * Spend per {@code tenant|period} of the open months. Not a store of its own: it is derived at init from the windows
     * store (each open month's rolled-up total plus its open base windows), so it can never disagree with the
     * aggregates, and it costs no changelog record per usage record.
     */
    private final Map<String, Long> spent = new HashMap<>();
    /** Open base windows (the shortest, per tenant and model) by tenant: what the larger windows' PARTIALs add up. */
    private final Map<String, Set<String>> openBases = new HashMap<>();
    /**
     * Window states as last written, for recently used windows: the per-record path reads them here instead of
     * decoding the store's bytes. Every write goes to the store too; a revived task starts with this empty.
     */
    private final Map<String, UsageWindowState> recent = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, UsageWindowState> eldest) {
            return size() > STATE_CACHE_ENTRIES;
        }
    };
    /** Decoded histograms of recently used windows; the store keeps the encoded truth. */
    private final Map<String, AbstractHistogram[]> sketches = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, AbstractHistogram[]> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };

    /** Monthly budgets from the tenants' policy records (platform.tenant-policies), ahead of the configured ones. */
    private final java.util.function.Function<String, Long> policyBudgets;

    /** Counts changes of tenant policies (global thread), so that spend is published again under new budgets. */
    private final java.util.function.LongSupplier policyVersion;
    private long seenPolicyVersion;
    /**
     * How far the wall clock has closed windows (see {@link #closeIdle}); 0 until it has. Kept in memory: after a
     * restart the windows it closed are still closed in the store.
     */
    private long closedThrough;
    /**
     * Wall-clock time of the task's last usage record (or of its start): windows close by the wall clock only once the
     * input has been quiet for {@code window.idle.close.ms}. A task catching up on a backlog (after a restart or an
     * outage) keeps receiving records, so its windows close by stream time and the backlog is not counted as late.
     */
    private long lastInputAt;

    UsageAggregator(AggregatorSettings settings, PriceBook prices, TopicNames names, AggregatorMetrics metrics,
                    java.util.function.Function<String, Long> policyBudgets, java.util.function.LongSupplier policyVersion) {
        this.policyBudgets = policyBudgets;
        this.policyVersion = policyVersion;
        this.settings = settings;
        this.prices = prices;
        this.names = names;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        // a revived task (after an aborted transaction) is initialised again: what memory held may be ahead of the stores
        sketches.clear();
        recent.clear();
        closing.clear();
        openBases.clear();
        spent.clear();
        dirty.clear();
        dirtySpend.clear();
        closedThrough = 0;
        lastInputAt = context.currentSystemTimeMs();
        this.windows = context.getStateStore(AggregatorTopology.WINDOWS_STORE);
        this.sent = context.getStateStore(AggregatorTopology.SENT_ALERTS_STORE);
        seenPolicyVersion = policyVersion.getAsLong();
        try (KeyValueIterator<String, UsageWindowState> all = windows.all()) {
            while (all.hasNext()) {
                KeyValue<String, UsageWindowState> entry = all.next();
                UsageWindowState state = entry.value;
                if (state.getClosed()) {
                    continue;
                }
                if (settings.windows().stream().noneMatch(window -> window.label().equals(state.getWindow()))) {
                    log.error("Open window {} is not among the configured windows {}: it will close without being rolled up into "
                            + "the longer ones. Changing the shortest window needs a new application.id", entry.key, settings.windows());
                }
                closeAt(entry.key, state);
                if (isBase(state)) {
                    openBase(entry.key, state);
                }
                // a period's spend is what its open month counts: the rolled-up total plus the base windows still open
                if (isBase(state) || (WindowSpec.MONTH.equals(state.getWindow()) && state.getModel() == null)) {
                    spent.merge(state.getTenantId() + "|" + WindowSpec.period(state.getWindowStart()), state.getCostNanos(), Long::sum);
                }
            }
        }
        // publish this period's spend again, under the current budgets: a raised budget lifts a hard limit
        String period = WindowSpec.period(context.currentSystemTimeMs());
        spent.keySet().stream().filter(key -> key.endsWith("|" + period)).forEach(dirtySpend::add);
        context.schedule(settings.emitInterval(), PunctuationType.WALL_CLOCK_TIME, now -> emitPartials(now));
        context.schedule(java.time.Duration.ofMinutes(1), PunctuationType.WALL_CLOCK_TIME, now -> purge());
    }

    @Override
    public void process(Record<String, ModelCallUsage> record) {
        lastInputAt = context.currentSystemTimeMs();
        ModelCallUsage usage = record.value();
        if (usage == null || usage.getTenantId() == null || usage.getCompletedAt() == null) {
            return;
        }
        long at = usage.getCompletedAt().toEpochMilli();
        // windows closed by the wall clock stay closed: stream time counts from where that close reached
        long streamTime = Math.max(Math.max(context.currentStreamTimeMs(), at), closedThrough);
        String tenant = usage.getTenantId();
        Cost cost = usage.getCost();
        boolean priced = cost != null && cost.getPriced();
        long costNanos = priced ? cost.getAmountNanos() : 0;
        long savedNanos = priced ? usage.getPromptCacheSavedNanos() : 0;
        long batchSavedNanos = priced ? usage.getBatchSavedNanos() : 0;
        String currency = cost != null ? cost.getCurrency() : "USD";
        if (!priced) {
            int cachedTokens = Math.min(usage.getInputTokens(), Math.max(0, usage.getCachedInputTokens()));
            // a batch's answer is priced at the batch prices, as the processor would have
            PricedCall repriced = usage.getBatchId() != null
                    ? prices.priceBatch(usage.getModel(), usage.getCompletedAt(), usage.getInputTokens(), cachedTokens, usage.getOutputTokens())
                    : prices.price(usage.getModel(), usage.getCompletedAt(), usage.getInputTokens(), cachedTokens, usage.getOutputTokens());
            if (repriced.cost().getPriced()) {
                priced = true;
                costNanos = repriced.cost().getAmountNanos();
                savedNanos = repriced.promptCacheSavedNanos();
                batchSavedNanos = repriced.batchSavedNanos();
                currency = repriced.cost().getCurrency();
            } else {
                metrics.unpriced(tenant);
                alertOnce("unpriced-model/" + tenant + "/" + usage.getModel(), "unpriced_model", AlertSeverity.WARNING, tenant,
                        usage.getModel(), "Model " + usage.getModel() + " has no price: tenant " + tenant
                                + "'s calls of it are counted as unpriced, not as free", null, null, at);
            }
        }
        boolean lateSomewhere = false;
        WindowSpec base = settings.base();
        long baseStart = base.start(at);
        String baseKey = key(base, baseStart, tenant, usage.getModel());
        UsageWindowState baseState = isOpen(base, baseStart, streamTime) ? state(baseKey) : null;
        // a base window already closed (and rolled up) takes nothing more, even if stream time says it is open
        if (isOpen(base, baseStart, streamTime) && (baseState == null || !baseState.getClosed())) {
            // the hot path: one window per record; larger windows and the tenant's totals are rolled up when it closes
            String key = baseKey;
            UsageWindowState state = baseState;
            if (state == null) {
                state = newState(base, baseStart, tenant, usage.getModel(), currency);
                openBase(key, state);
            }
            add(key, state, usage, priced, costNanos, savedNanos, batchSavedNanos);
            store(key, state);
            dirty.add(key);
        } else {
            // its base window has closed: the record goes straight into the larger windows still open
            lateSomewhere = true;
            for (WindowSpec window : settings.windows()) {
                long start = window.start(at);
                if (window.equals(base) || !isOpen(window, start, streamTime)) {
                    continue;
                }
                for (String model : new String[] {null, usage.getModel()}) {
                    String key = key(window, start, tenant, model);
                    UsageWindowState state = state(key);
                    if (state == null) {
                        state = newState(window, start, tenant, model, currency);
                        closeAt(key, state);
                    }
                    add(key, state, usage, priced, costNanos, savedNanos, batchSavedNanos);
                    store(key, state);
                    dirty.add(key);
                }
            }
        }
        if (lateSomewhere) {
            metrics.late(tenant);
            countLate(tenant, at, streamTime, currency);
        }
        metrics.usage(tenant, usage.getModel(), costNanos, !usage.getProducedResult());
        metrics.saved(tenant, usage.getModel(), AggregatorMetrics.PROMPT_CACHE, savedNanos);
        metrics.saved(tenant, usage.getModel(), AggregatorMetrics.RESPONSE_CACHE, usage.getResponseCacheSavedNanos());
        metrics.saved(tenant, usage.getModel(), AggregatorMetrics.BATCH, batchSavedNanos);
        // spend is what the open month counts; a record later than its month's grace is late, not in that month's spend
        if (priced && costNanos > 0 && isOpen(WindowSpec.month(), WindowSpec.month().start(at), streamTime)) {
            addSpend(tenant, WindowSpec.period(at), costNanos, at);
        }
        closeWindows(streamTime);
    }

    private void add(String key, UsageWindowState state, ModelCallUsage usage, boolean priced, long costNanos, long savedNanos,
                     long batchSavedNanos) {
        if (usage.getOutcome() == CallOutcome.CACHE_HIT) {
            // a job answered from the tenant's response cache: no call, no cost, not among the calls' figures
            state.setCacheHits(state.getCacheHits() + 1);
            state.setResponseCacheSavedNanos(state.getResponseCacheSavedNanos() + usage.getResponseCacheSavedNanos());
            return;
        }
        state.setCalls(state.getCalls() + 1);
        if (usage.getAttempt() == 1) {
            state.setJobsStarted(state.getJobsStarted() + 1);
        }
        AbstractHistogram[] histograms = sketches(key, state);
        if (usage.getBatchId() == null) {
            // a batch's answer waited hours for the batch, not for a model: it would drown the calls' latency
            histograms[0].recordValue(Math.min(HIGHEST_LATENCY_MS, Math.max(0, usage.getLatencyMs())));
        }
        if (usage.getProducedResult()) {
            state.setJobsSucceeded(state.getJobsSucceeded() + 1);
            if (usage.getJobSubmittedAt() != null) {
                long duration = usage.getCompletedAt().toEpochMilli() - usage.getJobSubmittedAt().toEpochMilli();
                histograms[1].recordValue(Math.min(HIGHEST_DURATION_MS, Math.max(0, duration)));
            }
        } else if (usage.getOutcome() != CallOutcome.SUCCESS) {
            Map<String, Long> failed = new HashMap<>(state.getCallsFailedByCategory());
            failed.merge(CallOutcomes.failureCategory(usage.getOutcome()).name(), 1L, Long::sum);
            state.setCallsFailedByCategory(failed);
        }
        state.setInputTokens(state.getInputTokens() + usage.getInputTokens());
        state.setOutputTokens(state.getOutputTokens() + usage.getOutputTokens());
        state.setCachedInputTokens(state.getCachedInputTokens() + usage.getCachedInputTokens());
        if (priced) {
            state.setCostNanos(state.getCostNanos() + costNanos);
            state.setPromptCacheSavedNanos(state.getPromptCacheSavedNanos() + savedNanos);
            state.setBatchSavedNanos(state.getBatchSavedNanos() + batchSavedNanos);
            if (!usage.getProducedResult()) {
                state.setRetryCostNanos(state.getRetryCostNanos() + costNanos);
            }
        } else {
            state.setUnpricedCalls(state.getUnpricedCalls() + 1);
        }
        state.setLatencySketch(encode(histograms[0]));
        state.setDurationSketch(encode(histograms[1]));
    }

    private boolean isOpen(WindowSpec window, long start, long streamTime) {
        return window.end(start) + settings.grace().toMillis() > streamTime;
    }

    /** A base window of one model: the only kind a usage record updates while it is open. */
    private boolean isBase(UsageWindowState state) {
        return state.getModel() != null && settings.base().label().equals(state.getWindow());
    }

    private void closeAt(String key, UsageWindowState state) {
        closing.computeIfAbsent(state.getWindowEnd() + settings.grace().toMillis(), t -> new HashSet<>()).add(key);
    }

    /** Registers a new open base window, and the windows it will roll up into, to close in time. */
    private void openBase(String key, UsageWindowState state) {
        closeAt(key, state);
        openBases.computeIfAbsent(state.getTenantId(), t -> new HashSet<>()).add(key);
        for (Target target : targets(settings, state)) {
            closing.computeIfAbsent(target.window().end(target.start()) + settings.grace().toMillis(), t -> new HashSet<>())
                    .add(target.key());
        }
    }

    private void countLate(String tenant, long at, long streamTime, String currency) {
        // the record's own month if it is still open (the record counts there), else the current one
        WindowSpec month = WindowSpec.month();
        long start = isOpen(month, month.start(at), streamTime) ? month.start(at) : month.start(streamTime);
        String key = key(month, start, tenant, null);
        UsageWindowState state = state(key);
        if (state == null) {
            state = newState(month, start, tenant, null, currency);
            closeAt(key, state);
        }
        if (!state.getClosed()) {
            state.setLateEvents(state.getLateEvents() + 1);
            store(key, state);
            dirty.add(key);
        }
        log.debug("Late usage record of tenant {} at {}: counted as late", tenant, Instant.ofEpochMilli(at));
    }

    private void addSpend(String tenant, String period, long costNanos, long at) {
        String key = tenant + "|" + period;
        Long before = spent.get(key);
        long spent = (before == null ? 0 : before) + costNanos;
        this.spent.put(key, spent);
        dirtySpend.add(key);
        Long budget = budget(tenant);
        if (budget == null || budget <= 0) {
            return;
        }
        for (int threshold : settings.thresholds()) {
            if (reached(spent, budget, threshold)) {
                alertOnce("budget/" + tenant + "/" + period + "/" + threshold, "budget_threshold",
                        threshold >= 100 ? AlertSeverity.CRITICAL : AlertSeverity.WARNING, tenant, names.tenantAclPrefix(TenantId.of(tenant)),
                        "Tenant " + tenant + " has spent " + threshold + "% of its " + period + " budget", Long.toString(spent),
                        Long.toString(percentOf(budget, threshold)), at);
            }
        }
        int hard = settings.hardLimitPercent();
        if (hard > 0 && reached(spent, budget, hard) && alertOnce("budget-hard-limit/" + tenant + "/" + period, "budget_hard_limit",
                AlertSeverity.CRITICAL, tenant, names.tenantAclPrefix(TenantId.of(tenant)), "Tenant " + tenant + " reached its hard limit ("
                        + hard + "% of its " + period + " budget): its jobs are refused until the next period",
                Long.toString(spent), Long.toString(percentOf(budget, hard)), at)) {
            // the processor must learn this now, not at the next emit
            emitSpend(key, context.currentSystemTimeMs());
        }
    }

    /** The tenant's monthly budget: its policy's, else the configured one; null when it has none. */
    private Long budget(String tenant) {
        Long fromPolicy = policyBudgets.apply(tenant);
        return fromPolicy != null ? fromPolicy : settings.budget(tenant);
    }

    /** budget * percent / 100 without overflow, capped at Long.MAX_VALUE. */
    static long percentOf(long budget, int percent) {
        java.math.BigInteger amount = java.math.BigInteger.valueOf(budget).multiply(java.math.BigInteger.valueOf(percent))
                .divide(java.math.BigInteger.valueOf(100));
        return amount.bitLength() < 64 ? amount.longValue() : Long.MAX_VALUE;
    }

    /** spent >= budget * percent / 100, in exact integers. */
    static boolean reached(long spent, long budget, int percent) {
        return java.math.BigInteger.valueOf(spent).multiply(java.math.BigInteger.valueOf(100))
                .compareTo(java.math.BigInteger.valueOf(budget).multiply(java.math.BigInteger.valueOf(percent))) >= 0;
    }

    /** Sends an alert unless it was sent before (kept in the changelogged store). True when sent now. */
    private boolean alertOnce(String alertKey, String type, AlertSeverity severity, String tenant, String subject, String message,
                              String observed, String threshold, long at) {
        if (sent.get(alertKey) != null) {
            return false;
        }
        long now = context.currentSystemTimeMs();
        sent.put(alertKey, now);
        metrics.alert(type);
        Alert alert = Alert.newBuilder().setAlertKey(alertKey).setType(type).setSeverity(severity).setState(AlertState.FIRING)
                .setTenantId(tenant).setSubject(subject).setMessage(message).setSince(Instant.ofEpochMilli(at))
                .setEmittedAt(Instant.ofEpochMilli(now)).setObserved(observed).setThreshold(threshold).setAttributes(new HashMap<>())
                .build();
        context.forward(new Record<>(alertKey, (Object) alert, now), AggregatorTopology.ALERTS_SINK);
        if (tenant != null && TenantId.isValid(tenant)) {
            context.forward(new Record<>(alertKey, (Object) alert, now), AggregatorTopology.TENANT_ALERTS_SINK);
        }
        return true;
    }

    /**
     * Closes the windows whose end plus grace stream time has passed: base windows first, each rolled up into its
     * tenant's total and into every larger window holding it, then those that close at the same time, each with one FINAL.
     */
    private void closeWindows(long streamTime) {
        while (!closing.isEmpty() && closing.firstKey() <= streamTime) {
            List<String> rest = new ArrayList<>();
            for (String key : closing.pollFirstEntry().getValue()) {
                UsageWindowState state = state(key);
                if (state == null || state.getClosed()) {
                    continue;
                }
                if (!isBase(state)) {
                    rest.add(key);
                    continue;
                }
                rollUp(key, state);
                close(key, state);
                Set<String> open = openBases.get(state.getTenantId());
                if (open != null && open.remove(key) && open.isEmpty()) {
                    openBases.remove(state.getTenantId());
                }
            }
            for (String key : rest) {
                UsageWindowState state = state(key);
                if (state != null && !state.getClosed()) {
                    close(key, state);
                }
            }
        }
    }

    private void close(String key, UsageWindowState state) {
        state.setClosed(true);
        store(key, state);
        dirty.remove(key);
        emit(key, state, sketches(key, state), null, AggregateStatus.FINAL, context.currentSystemTimeMs());
        sketches.remove(key);
    }

    /** Adds a closing base window into each window it rolls up into (created if need be). */
    private void rollUp(String baseKey, UsageWindowState base) {
        AbstractHistogram[] baseSketches = sketches(baseKey, base);
        for (Target target : targets(settings, base)) {
            UsageWindowState state = state(target.key());
            if (state == null) {
                state = newState(target.window(), target.start(), base.getTenantId(), target.model(), base.getCurrency());
                closeAt(target.key(), state);
            } else if (state.getClosed()) {
                log.warn("Window {} closed before its part {}: not rolled up", target.key(), baseKey);
                continue;
            }
            AbstractHistogram[] targetSketches = sketches(target.key(), state);
            merge(state, targetSketches, base, baseSketches);
            state.setLatencySketch(encode(targetSketches[0]));
            state.setDurationSketch(encode(targetSketches[1]));
            store(target.key(), state);
        }
    }

    /**
     * Closes, by the wall clock, the windows whose end plus grace passed more than {@code window.idle.close.ms} ago:
     * when usage stops, stream time stops, and without this the last windows would wait for the next record to close.
     * Only once the task's input has been quiet that long, so a window closes at most that long after its end plus grace
     * or after the task's last record, whichever is later. Like every punctuation, it runs in the task's transaction: a FINAL is written once.
     */
    private void closeIdle(long now) {
        long through = now - settings.idleClose().toMillis();
        if (lastInputAt > through) {
            // records arrived within the idle close: the input is not idle (maybe a backlog), stream time closes windows
            return;
        }
        if (through > Math.max(context.currentStreamTimeMs(), closedThrough)) {
            closedThrough = through;
            closeWindows(through);
        }
    }

    /**
     * Writes a PARTIAL of every changed open window: a base window as it is, a larger window (and a tenant total) as its
     * rolled-up state plus the open base windows inside it, which is what its FINAL will be if nothing else arrives.
     */
    private void emitPartials(long now) {
        closeIdle(now);
        Map<String, Target> views = new LinkedHashMap<>();
        if (policyVersion.getAsLong() != seenPolicyVersion) {
            // a policy changed (maybe a budget raised): publish this period's spend again under the budgets now in force
            seenPolicyVersion = policyVersion.getAsLong();
            String period = WindowSpec.period(now);
            spent.keySet().stream().filter(key -> key.endsWith("|" + period)).forEach(dirtySpend::add);
        }
        for (String key : dirty) {
            UsageWindowState state = state(key);
            if (state == null || state.getClosed()) {
                continue;
            }
            if (isBase(state)) {
                emit(key, state, sketches(key, state), state, AggregateStatus.PARTIAL, now);
                targets(settings, state).forEach(target -> views.putIfAbsent(target.key(), target));
            } else {
                views.putIfAbsent(key, new Target(key, settings.window(state.getWindow()), state.getWindowStart(), state.getTenantId(),
                        state.getModel()));
            }
        }
        dirty.clear();
        // each tenant's open base windows are read and decoded once per emit, whatever the number of views they are in
        Map<String, List<Part>> openByTenant = new HashMap<>();
        for (Target target : views.values()) {
            UsageWindowState stored = state(target.key());
            if (stored != null && stored.getClosed()) {
                continue;
            }
            List<Part> open = openByTenant.computeIfAbsent(target.tenant(), tenant -> {
                List<Part> parts = new ArrayList<>();
                for (String baseKey : openBases.getOrDefault(tenant, Set.of())) {
                    UsageWindowState base = state(baseKey);
                    if (base != null && !base.getClosed()) {
                        parts.add(new Part(base, sketches(baseKey, base)));
                    }
                }
                return parts;
            });
            Part view = view(target, stored == null ? null : new Part(stored, sketches(target.key(), stored)), open);
            emit(target.key(), view.state(), view.sketches(), null, AggregateStatus.PARTIAL, now);
        }
        for (String key : new ArrayList<>(dirtySpend)) {
            emitSpend(key, now);
        }
        dirtySpend.clear();
    }

    private void emitSpend(String key, long now) {
        Long spent = this.spent.get(key);
        if (spent == null) {
            return;
        }
        int bar = key.indexOf('|');
        String tenant = key.substring(0, bar);
        Long budget = budget(tenant);
        int hard = settings.hardLimitPercent();
        Long hardLimit = budget == null || hard <= 0 ? null : percentOf(budget, hard);
        TenantSpend record = TenantSpend.newBuilder().setTenantId(tenant).setPeriod(key.substring(bar + 1)).setSpentNanos(spent)
                .setBudgetNanos(budget).setHardLimitNanos(hardLimit)
                .setOverHardLimit(budget != null && hard > 0 && reached(spent, budget, hard))
                .setUpdatedAt(Instant.ofEpochMilli(now)).build();
        context.forward(new Record<>(tenant, (Object) record, now), AggregatorTopology.SPEND_SINK);
        metrics.spend(tenant, record.getPeriod(), spent, budget);
    }

    /** {@code encoded}: the state whose encoded sketches match {@code histograms}, or null to encode them. */
    private void emit(String key, UsageWindowState state, AbstractHistogram[] histograms, UsageWindowState encoded,
                      AggregateStatus status, long now) {
        UsageAggregate aggregate = UsageAggregate.newBuilder()
                .setAggregateKey(key)
                .setTenantId(state.getTenantId())
                .setModel(state.getModel())
                .setWindow(state.getWindow())
                .setWindowStart(Instant.ofEpochMilli(state.getWindowStart()))
                .setWindowEnd(Instant.ofEpochMilli(state.getWindowEnd()))
                .setStatus(status)
                .setCalls(state.getCalls())
                .setJobsStarted(state.getJobsStarted())
                .setJobsSucceeded(state.getJobsSucceeded())
                .setCallsFailedByCategory(new HashMap<>(state.getCallsFailedByCategory()))
                .setInputTokens(state.getInputTokens())
                .setOutputTokens(state.getOutputTokens())
                .setCostNanos(state.getCostNanos())
                .setRetryCostNanos(state.getRetryCostNanos())
                .setCachedInputTokens(state.getCachedInputTokens())
                .setPromptCacheSavedNanos(state.getPromptCacheSavedNanos())
                .setCacheHits(state.getCacheHits())
                .setResponseCacheSavedNanos(state.getResponseCacheSavedNanos())
                .setBatchSavedNanos(state.getBatchSavedNanos())
                .setCurrency(state.getCurrency())
                .setUnpricedCalls(state.getUnpricedCalls())
                .setLateEvents(state.getLateEvents())
                .setModelLatencyMs(summary(histograms[0], encoded == null ? null : encoded.getLatencySketch()))
                .setJobDurationMs(summary(histograms[1], encoded == null ? null : encoded.getDurationSketch()))
                .setEmittedAt(Instant.ofEpochMilli(now))
                .build();
        context.forward(new Record<>(key, (Object) aggregate, now), AggregatorTopology.AGGREGATES_SINK);
    }

    /** Forgets closed windows past their retention: a day for tumbling windows, 400 days for months. */
    private void purge() {
        long streamTime = context.currentStreamTimeMs();
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, UsageWindowState> all = windows.all()) {
            while (all.hasNext() && expired.size() < 10_000) {
                KeyValue<String, UsageWindowState> entry = all.next();
                long retention = WindowSpec.MONTH.equals(entry.value.getWindow()) ? 400L * 24 * 3600 * 1000 : 24L * 3600 * 1000;
                if (entry.value.getClosed() && entry.value.getWindowEnd() + retention < streamTime) {
                    expired.add(entry.key);
                }
            }
        }
        expired.forEach(key -> {
            windows.delete(key);
            recent.remove(key);
            sketches.remove(key);
        });
    }

    /** A window's state: from {@link #recent} when it holds it, else from the store (and then kept there). */
    private UsageWindowState state(String key) {
        UsageWindowState state = recent.get(key);
        if (state == null) {
            state = windows.get(key);
            if (state != null) {
                recent.put(key, state);
            }
        }
        return state;
    }

    /** Writes a window's state to the store (changelogged, in this transaction) and keeps it in {@link #recent}. */
    private void store(String key, UsageWindowState state) {
        windows.put(key, state);
        recent.put(key, state);
    }

    private AbstractHistogram[] sketches(String key, UsageWindowState state) {
        AbstractHistogram[] cached = sketches.get(key);
        if (cached == null) {
            cached = new AbstractHistogram[] {decode(state.getLatencySketch()),
                decode(state.getDurationSketch())};
            sketches.put(key, cached);
        }
        return cached;
    }

}
