package io.aijobs.serde;

import java.util.Locale;

/** Schema-registry compatibility levels, as named by Confluent's API. */
public enum CompatibilityLevel {
    NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

    public static CompatibilityLevel parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown compatibility level '" + name + "'; expected one of "
                    + java.util.Arrays.toString(values()), e);
        }
    }
}
