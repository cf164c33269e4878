package io.aijobs.devstack.junit;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Where {@link DevStackExtension} runs the tests' Kafka broker and schema registry, chosen by the system property
 * {@value #PROPERTY} (Maven passes its property of the same name; {@code processes} by default).
 */
public enum StackBackend {
    /** Local processes on 127.0.0.1: the KRaft broker from {@code kafka_2.13} and Apicurio Registry. */
    PROCESSES,
    /** Containers through Testcontainers and a Docker engine: Kafka's official image and Apicurio Registry's. */
    CONTAINERS;

    public static final String PROPERTY = "aijobs.test.stack";

    /** The backend named by {@code value} (any case); unset or blank means {@link #PROCESSES}. */
    public static StackBackend parse(String value) {
        if (value == null || value.isBlank()) {
            return PROCESSES;
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PROPERTY + "=" + value + " is not one of "
                    + Arrays.stream(values()).map(StackBackend::toString).collect(Collectors.joining(", ")));
        }
    }

    /**
     * The backend that runs: this one, unless it is {@link #CONTAINERS} and {@code dockerUnavailable} gives a reason,
     * in which case the one-line reason goes to {@code note} and the processes run.
     */
    public StackBackend effective(Supplier<Optional<String>> dockerUnavailable, Consumer<String> note) {
        if (this == CONTAINERS) {
            Optional<String> reason = dockerUnavailable.get();
            if (reason.isPresent()) {
                note.accept(PROPERTY + "=containers skipped: " + reason.get() + "; the tests run on local processes");
                return PROCESSES;
            }
        }
        return this;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
