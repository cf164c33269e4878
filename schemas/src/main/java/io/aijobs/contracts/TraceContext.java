package io.aijobs.contracts;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * W3C trace context for a job: the {@code traceparent} a publisher sets so that the processor continues its trace,
 * and the optional {@code tracestate} that travels with it. A malformed {@code traceparent} (not
 * {@code 00-<32 hex>-<16 hex>-<2 hex>}, or an all-zero trace or span id) is refused, naming it.
 *
 * @param traceparent e.g. {@code 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01}
 * @param tracestate  vendor entries, or null
 */
public record TraceContext(String traceparent, String tracestate) {

    private static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}");

    public TraceContext {
        Objects.requireNonNull(traceparent, "traceparent");
        var match = TRACEPARENT.matcher(traceparent);
        if (!match.matches() || match.group(1).chars().allMatch(c -> c == '0') || match.group(2).chars().allMatch(c -> c == '0')) {
            throw new IllegalArgumentException("traceparent must be 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>, ids not all "
                    + "zero (W3C Trace Context), got '" + traceparent + "'");
        }
        if (tracestate != null && tracestate.length() > 512) {
            throw new IllegalArgumentException("tracestate must be at most 512 characters, got " + tracestate.length());
        }
    }

    /** The trace id of {@link #traceparent()}. */
    public String traceId() {
        return traceparent.substring(3, 35);
    }
}
