package io.aijobs.contracts;

import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The contract a job must meet before it is published. The processor checks the same rules again (a producer may
 * not use this library), so this is a courtesy to the caller: a clear error now instead of a dead letter later.
 *
 * <p>Stateless and thread-safe.
 */
public final class JobValidator {

    /** Longest accepted jobId. */
    public static final int MAX_JOB_ID_LENGTH = 200;
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    private final int maxInputBytes;

    /** @param maxInputBytes upper bound on the UTF-8 size of all message contents together */
    public JobValidator(int maxInputBytes) {
        if (maxInputBytes <= 0) {
            throw new IllegalArgumentException("maxInputBytes must be positive, got " + maxInputBytes);
        }
        this.maxInputBytes = maxInputBytes;
    }

    /** Returns the violations of {@code job}; empty when it is valid. */
    public List<InvalidJobException.Violation> violations(JobRequest job) {
        List<InvalidJobException.Violation> violations = new ArrayList<>();
        String jobId = job.getJobId();
        if (jobId == null || jobId.isBlank()) {
            violations.add(new InvalidJobException.Violation("jobId", "is missing or blank"));
        } else if (jobId.length() > MAX_JOB_ID_LENGTH) {
            violations.add(new InvalidJobException.Violation("jobId", "is " + jobId.length() + " characters; at most "
                    + MAX_JOB_ID_LENGTH + " allowed"));
        } else if (jobId.chars().anyMatch(Character::isISOControl)) {
            violations.add(new InvalidJobException.Violation("jobId", "contains control characters"));
        }
        if (job.getTenantId() == null || job.getTenantId().isBlank()) {
            violations.add(new InvalidJobException.Violation("tenantId", "is missing or blank"));
        } else if (!TenantId.isValid(job.getTenantId())) {
            violations.add(new InvalidJobException.Violation("tenantId", "'" + job.getTenantId()
                    + "' is not a valid tenant id (1-40 lower-case letters, digits and inner hyphens)"));
        }
        if (job.getModel() == null || job.getModel().isBlank()) {
            violations.add(new InvalidJobException.Violation("model", "is missing or blank"));
        }
        checkMessages(job.getMessages(), violations);
        checkParameters(job.getParameters(), violations);
        if (job.getSubmittedAt() == null) {
            violations.add(new InvalidJobException.Violation("submittedAt", "is missing"));
        } else if (job.getDeadline() != null && !job.getDeadline().isAfter(job.getSubmittedAt())) {
            violations.add(new InvalidJobException.Violation("deadline", "is not after submittedAt"));
        }
        return violations;
    }

    /** Throws {@link InvalidJobException} listing every violation of {@code job}. */
    public void validate(JobRequest job) {
        List<InvalidJobException.Violation> violations = violations(job);
        if (!violations.isEmpty()) {
            throw new InvalidJobException(violations);
        }
    }

    private void checkMessages(List<ChatMessage> messages, List<InvalidJobException.Violation> violations) {
        if (messages == null || messages.isEmpty()) {
            violations.add(new InvalidJobException.Violation("messages", "is empty; a job needs at least one message"));
            return;
        }
        long bytes = 0;
        boolean anyContent = false;
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage message = messages.get(i);
            if (message.getRole() == null || !ROLES.contains(message.getRole())) {
                violations.add(new InvalidJobException.Violation("messages[" + i + "].role", "'" + message.getRole()
                        + "' is not one of " + ROLES));
            }
            String content = message.getContent();
            if (content != null && !content.isBlank()) {
                anyContent = true;
                bytes += content.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        if (!anyContent) {
            violations.add(new InvalidJobException.Violation("messages", "have no content; the input is empty"));
        }
        if (bytes > maxInputBytes) {
            violations.add(new InvalidJobException.Violation("messages", "input is " + bytes + " bytes; at most "
                    + maxInputBytes + " allowed"));
        }
    }

    /** The UTF-8 size of all message contents together: what input-size limits are measured in. */
    public static long inputBytes(io.aijobs.schema.JobRequest job) {
        long bytes = 0;
        if (job.getMessages() != null) {
            for (ChatMessage message : job.getMessages()) {
                if (message.getContent() != null) {
                    bytes += message.getContent().getBytes(StandardCharsets.UTF_8).length;
                }
            }
        }
        return bytes;
    }

    private static void checkParameters(JobParameters parameters, List<InvalidJobException.Violation> violations) {
        if (parameters == null) {
            violations.add(new InvalidJobException.Violation("parameters", "is missing"));
            return;
        }
        if (parameters.getMaxOutputTokens() != null && parameters.getMaxOutputTokens() <= 0) {
            violations.add(new InvalidJobException.Violation("parameters.maxOutputTokens", "must be positive"));
        }
        if (parameters.getTemperature() != null && (parameters.getTemperature() < 0 || parameters.getTemperature() > 2)) {
            violations.add(new InvalidJobException.Violation("parameters.temperature", "must be within 0..2"));
        }
        if (parameters.getTopP() != null && (parameters.getTopP() <= 0 || parameters.getTopP() > 1)) {
            violations.add(new InvalidJobException.Violation("parameters.topP", "must be within (0, 1]"));
        }
    }
}
