package io.aijobs.contracts;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A tenant's identifier, as it appears in topic names ({@code tenant.<id>.jobs}) and records.
 *
 * <p>Lower-case letters, digits and inner hyphens, 1 to 40 characters. No dots or underscores: a dot would let one
 * tenant's topics fall under another tenant's ACL prefix, and Kafka treats {@code .} and {@code _} as colliding in
 * metric names.
 */
public record TenantId(String value) {

    private static final Pattern VALID = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?");

    public TenantId {
        Objects.requireNonNull(value, "tenant id");
        if (!VALID.matcher(value).matches()) {
            throw new IllegalArgumentException("Invalid tenant id '" + value + "': use 1-40 lower-case letters, digits "
                    + "and inner hyphens (no dots, no underscores)");
        }
    }

    public static TenantId of(String value) {
        return new TenantId(value);
    }

    public static boolean isValid(String value) {
        return value != null && VALID.matcher(value).matches();
    }

    @Override
    public String toString() {
        return value;
    }
}
