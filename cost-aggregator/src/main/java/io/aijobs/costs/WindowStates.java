package io.aijobs.costs;

import io.aijobs.schema.LatencySummary;
import io.aijobs.schema.state.UsageWindowState;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.IntCountsHistogram;

/**
 * Pure functions on usage windows, shared by the aggregator and the usage endpoint: keys, the roll-up of a base window
 * into the windows that hold it, views of a window with its open base windows added, and the sketches (HdrHistogram,
 * 2 significant digits, V2 encoding) with their summaries.
 */
final class WindowStates {

    private WindowStates() {
    }

    /** Model latency above an hour and job durations above a day are recorded as the cap. */
    static final long HIGHEST_LATENCY_MS = 3_600_000L;
    static final long HIGHEST_DURATION_MS = 24L * 3600 * 1000;

    static UsageWindowState newState(WindowSpec window, long start, String tenant, String model, String currency) {
        return UsageWindowState.newBuilder().setTenantId(tenant).setModel(model).setWindow(window.label()).setWindowStart(start)
                .setWindowEnd(window.end(start)).setCallsFailedByCategory(new HashMap<>()).setCurrency(currency).build();
    }

    /** A window a base window rolls up into: its tenant's total of the same window, and both of every larger window. */
    record Target(String key, WindowSpec window, long start, String tenant, String model) {

        boolean holds(UsageWindowState base) {
            return tenant.equals(base.getTenantId()) && (model == null || model.equals(base.getModel()))
                    && base.getWindowStart() >= start && base.getWindowStart() < window.end(start);
        }
    }

    static List<Target> targets(AggregatorSettings settings, UsageWindowState base) {
        List<Target> targets = new ArrayList<>();
        for (WindowSpec window : settings.windows()) {
            long start = window.start(base.getWindowStart());
            targets.add(new Target(key(window, start, base.getTenantId(), null), window, start, base.getTenantId(), null));
            if (!window.equals(settings.base())) {
                targets.add(new Target(key(window, start, base.getTenantId(), base.getModel()), window, start, base.getTenantId(),
                        base.getModel()));
            }
        }
        return targets;
    }

    /** Adds {@code from} into {@code into}: counts, tokens and money summed, sketches merged (not its encoded sketches). */
    static void merge(UsageWindowState into, AbstractHistogram[] intoSketches, UsageWindowState from, AbstractHistogram[] fromSketches) {
        into.setCalls(into.getCalls() + from.getCalls());
        into.setJobsStarted(into.getJobsStarted() + from.getJobsStarted());
        into.setJobsSucceeded(into.getJobsSucceeded() + from.getJobsSucceeded());
        if (!from.getCallsFailedByCategory().isEmpty()) {
            Map<String, Long> failed = new HashMap<>(into.getCallsFailedByCategory());
            from.getCallsFailedByCategory().forEach((category, count) -> failed.merge(category, count, Long::sum));
            into.setCallsFailedByCategory(failed);
        }
        into.setInputTokens(into.getInputTokens() + from.getInputTokens());
        into.setOutputTokens(into.getOutputTokens() + from.getOutputTokens());
        into.setCostNanos(into.getCostNanos() + from.getCostNanos());
        into.setRetryCostNanos(into.getRetryCostNanos() + from.getRetryCostNanos());
        into.setCachedInputTokens(into.getCachedInputTokens() + from.getCachedInputTokens());
        into.setPromptCacheSavedNanos(into.getPromptCacheSavedNanos() + from.getPromptCacheSavedNanos());
        into.setCacheHits(into.getCacheHits() + from.getCacheHits());
        into.setResponseCacheSavedNanos(into.getResponseCacheSavedNanos() + from.getResponseCacheSavedNanos());
        into.setBatchSavedNanos(into.getBatchSavedNanos() + from.getBatchSavedNanos());
        into.setUnpricedCalls(into.getUnpricedCalls() + from.getUnpricedCalls());
        into.setLateEvents(into.getLateEvents() + from.getLateEvents());
        intoSketches[0].add(fromSketches[0]);
        intoSketches[1].add(fromSketches[1]);
    }

    /** A window's state with its sketches decoded. */
    record Part(UsageWindowState state, AbstractHistogram[] sketches) {

        static Part decoded(UsageWindowState state) {
            return new Part(state, new AbstractHistogram[] {decode(state.getLatencySketch()), decode(state.getDurationSketch())});
        }
    }

    /**
     * A target window as it stands: its rolled-up state (or nothing yet) plus the open base windows it holds. Neither input
     * changes; the view's encoded sketches are left as stored (encode the returned histograms when needed).
     */
    static Part view(Target target, Part stored, Iterable<Part> openBases) {
        UsageWindowState view;
        AbstractHistogram[] sketches;
        if (stored != null) {
            view = UsageWindowState.newBuilder(stored.state()).build();
            sketches = new AbstractHistogram[] {stored.sketches()[0].copy(), stored.sketches()[1].copy()};
            sketches[0].setAutoResize(true);
            sketches[1].setAutoResize(true);
        } else {
            view = newState(target.window(), target.start(), target.tenant(), target.model(), "USD");
            sketches = new AbstractHistogram[] {decode(null), decode(null)};
        }
        for (Part base : openBases) {
            if (target.holds(base.state()) && !base.state().getClosed()) {
                if (stored == null) {
                    view.setCurrency(base.state().getCurrency());
                }
                merge(view, sketches, base.state(), base.sketches());
            }
        }
        return new Part(view, sketches);
    }

    /**
     * A tenant's windows as the usage endpoint shows them: each larger window and total with the open base windows it holds
     * added, including those that exist so far only as open base windows.
     */
    static List<UsageWindowState> withOpenBasesRolledUp(AggregatorSettings settings, List<UsageWindowState> tenantStates) {
        Map<String, UsageWindowState> byKey = new LinkedHashMap<>();
        List<Part> open = new ArrayList<>();
        for (UsageWindowState state : tenantStates) {
            byKey.put(key(settings.window(state.getWindow()), state.getWindowStart(), state.getTenantId(), state.getModel()), state);
            if (!state.getClosed() && state.getModel() != null && settings.base().label().equals(state.getWindow())) {
                open.add(Part.decoded(state));
            }
        }
        Map<String, Target> targets = new LinkedHashMap<>();
        open.forEach(base -> targets(settings, base.state()).forEach(target -> targets.putIfAbsent(target.key(), target)));
        for (Target target : targets.values()) {
            UsageWindowState stored = byKey.get(target.key());
            if (stored == null || !stored.getClosed()) {
                Part view = view(target, stored == null ? null : Part.decoded(stored), open);
                view.state().setLatencySketch(encode(view.sketches()[0]));
                view.state().setDurationSketch(encode(view.sketches()[1]));
                byKey.put(target.key(), view.state());
            }
        }
        return new ArrayList<>(byKey.values());
    }

    static LatencySummary summary(AbstractHistogram histogram, ByteBuffer encoded) {
        return LatencySummary.newBuilder()
                .setCount(histogram.getTotalCount())
                .setP50(histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(50))
                .setP95(histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(95))
                .setP99(histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(99))
                .setMax(histogram.getTotalCount() == 0 ? 0 : histogram.getMaxValue())
                .setSketch(encoded == null ? encode(histogram) : encoded.duplicate())
                .build();
    }

    /**
     * Two significant digits (1% resolution), int counts, auto-resizing: the counts array covers only the values seen so
     * far (a window whose calls took up to 500 ms holds about 1.5 KiB, not the 11 KiB an hour-wide range would), which
     * keeps decoding a window's sketch cheap on the per-record path.
     */
    static AbstractHistogram decode(ByteBuffer encoded) {
        AbstractHistogram histogram = encoded == null ? new IntCountsHistogram(2) : IntCountsHistogram.decodeFromByteBuffer(encoded.duplicate(), 0);
        histogram.setAutoResize(true);
        return histogram;
    }

    private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocate(64 * 1024));

    /** V2 encoding (run-length and LEB128: a few hundred bytes for a sparse histogram), through a reused buffer. */
    static ByteBuffer encode(AbstractHistogram histogram) {
        ByteBuffer scratch = SCRATCH.get();
        if (scratch.capacity() < histogram.getNeededByteBufferCapacity()) {
            scratch = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
            SCRATCH.set(scratch);
        }
        scratch.clear();
        int length = histogram.encodeIntoByteBuffer(scratch);
        return ByteBuffer.wrap(java.util.Arrays.copyOf(scratch.array(), length));
    }

    /** {@code <window>/<start ISO>/<tenant>/<model or *>}: sorts by window and time, names itself. */
    static String key(WindowSpec window, long start, String tenant, String model) {
        return window.label() + "/" + iso(start) + "/" + tenant + "/" + (model == null ? "*" : model);
    }

    /** Window starts are few and formatting an instant is not cheap on the per-record path. */
    private static final Map<Long, String> ISO_STARTS = new java.util.concurrent.ConcurrentHashMap<>();

    private static String iso(long start) {
        if (ISO_STARTS.size() > 10_000) {
            ISO_STARTS.clear();
        }
        return ISO_STARTS.computeIfAbsent(start, at -> Instant.ofEpochMilli(at).toString());
    }
}
