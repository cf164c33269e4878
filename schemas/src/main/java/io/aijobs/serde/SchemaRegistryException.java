package io.aijobs.serde;

/**
 * An error answered by a schema registry, or the failure to reach one.
 *
 * <p>Carries the HTTP status and the registry's {@code error_code}. Confluent's codes are used where they exist;
 * Apicurio's Confluent-compatible API answers the same codes except for an incompatible schema, where it sends
 * HTTP 409 with {@code error_code} 409 instead of 40901. Predicates such as {@link #isIncompatible()} accept both.
 */
public class SchemaRegistryException extends RuntimeException {

    public static final int SUBJECT_NOT_FOUND = 40401;
    public static final int VERSION_NOT_FOUND = 40402;
    public static final int SCHEMA_NOT_FOUND = 40403;
    public static final int INCOMPATIBLE_SCHEMA = 40901;
    public static final int INVALID_SCHEMA = 42201;
    public static final int INVALID_VERSION = 42202;
    public static final int INVALID_COMPATIBILITY_LEVEL = 42203;

    /** Status for a registry that could not be reached or answered something unreadable. */
    public static final int NO_RESPONSE = -1;

    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(int httpStatus, int errorCode, String message) {
        super(message);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = NO_RESPONSE;
        this.errorCode = NO_RESPONSE;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public int errorCode() {
        return errorCode;
    }

    public boolean isSubjectNotFound() {
        return errorCode == SUBJECT_NOT_FOUND;
    }

    public boolean isSchemaNotFound() {
        return errorCode == SCHEMA_NOT_FOUND;
    }

    /** True for "the schema is not compatible with the subject's earlier versions", from Confluent or Apicurio. */
    public boolean isIncompatible() {
        return errorCode == INCOMPATIBLE_SCHEMA || (httpStatus == 409 && errorCode == 409);
    }

    public boolean isInvalidSchema() {
        return errorCode == INVALID_SCHEMA;
    }

    /** True when retrying may help: the registry was unreachable or answered 5xx. */
    public boolean isRetriable() {
        return httpStatus == NO_RESPONSE || httpStatus >= 500;
    }
}
