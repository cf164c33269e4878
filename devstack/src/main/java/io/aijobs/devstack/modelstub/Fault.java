package io.aijobs.devstack.modelstub;

import java.util.Locale;

/**
 * What the model stub can do instead of answering normally. Each maps to what a real OpenAI-compatible server
 * does in that situation, so that clients are exercised against the real shapes.
 */
public enum Fault {
    /** HTTP 429 with {@code Retry-After} (seconds) and an OpenAI {@code rate_limit_error}. */
    RATE_LIMIT,
    /** HTTP 500 {@code server_error}. */
    SERVER_ERROR,
    /** HTTP 503, as an overloaded server answers. */
    UNAVAILABLE,
    /** No answer at all until the stub's hang time passes: the client's own timeout must fire. */
    TIMEOUT,
    /** HTTP 400 {@code invalid_request_error}. */
    INVALID_REQUEST,
    /** HTTP 200 with {@code finish_reason=content_filter} and a refusal: the model declined. */
    REFUSAL;

    /** Parses {@code rate_limit}, {@code RATE-LIMIT} and the like; fails naming the valid values. */
    public static Fault parse(String text) {
        String normalized = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        try {
            return valueOf(normalized);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown fault '" + text + "'; expected one of "
                    + java.util.Arrays.toString(values()).toLowerCase(Locale.ROOT));
        }
    }
}
