package io.aijobs.contracts;

import java.util.List;

/**
 * A job that breaks the contract and was not sent. Lists every violation, each naming its field.
 */
public class InvalidJobException extends IllegalArgumentException {

    private final List<Violation> violations;

    /** One broken rule: the field (dotted path, e.g. {@code messages[0].content}) and what is wrong with it. */
    public record Violation(String field, String problem) {
        @Override
        public String toString() {
            return field + ": " + problem;
        }
    }

    public InvalidJobException(List<Violation> violations) {
        super(message(violations));
        this.violations = List.copyOf(violations);
    }

    private static String message(List<Violation> violations) {
        StringBuilder text = new StringBuilder("Invalid job");
        for (Violation violation : violations) {
            text.append("; ").append(violation);
        }
        return text.toString();
    }

    public List<Violation> violations() {
        return violations;
    }
}
