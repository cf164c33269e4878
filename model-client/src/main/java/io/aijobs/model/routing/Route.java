package io.aijobs.model.routing;

import java.util.List;
import java.util.Objects;

/**
 * Models, by name or pattern, and the endpoints that serve them, in the order they are tried: a job goes to the
 * first; a TRANSIENT or RATE_LIMITED failure falls back to the next.
 *
 * <p>A pattern is an exact model name, a prefix ending in {@code *} ({@code gpt-4o*}), or {@code *} alone.
 */
public record Route(String name, List<String> models, List<Endpoint> endpoints) {

    public Route {
        Objects.requireNonNull(name, "name");
        models = List.copyOf(models);
        endpoints = List.copyOf(endpoints);
        if (models.isEmpty()) {
            throw new IllegalArgumentException("route " + name + " names no model");
        }
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("route " + name + " names no endpoint");
        }
        models.forEach(Route::checkPattern);
    }

    /** Fails on a pattern that is empty or has a {@code *} anywhere but at its end. */
    public static void checkPattern(String pattern) {
        if (pattern.isBlank()) {
            throw new IllegalArgumentException("a model pattern must not be empty");
        }
        int star = pattern.indexOf('*');
        if (star >= 0 && star != pattern.length() - 1) {
            throw new IllegalArgumentException("model pattern " + pattern + ": '*' may only end a pattern");
        }
    }

    public boolean matches(String model) {
        for (String pattern : models) {
            if (matches(pattern, model)) {
                return true;
            }
        }
        return false;
    }

    static boolean matches(String pattern, String model) {
        return pattern.endsWith("*") ? model.startsWith(pattern.substring(0, pattern.length() - 1)) : pattern.equals(model);
    }

    /** Whether some model name matches both patterns. */
    public static boolean overlap(String a, String b) {
        boolean prefixA = a.endsWith("*");
        boolean prefixB = b.endsWith("*");
        String stemA = prefixA ? a.substring(0, a.length() - 1) : a;
        String stemB = prefixB ? b.substring(0, b.length() - 1) : b;
        if (prefixA && prefixB) {
            return stemA.startsWith(stemB) || stemB.startsWith(stemA);
        }
        if (prefixA) {
            return stemB.startsWith(stemA);
        }
        if (prefixB) {
            return stemA.startsWith(stemB);
        }
        return a.equals(b);
    }
}
