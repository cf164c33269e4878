package io.aijobs.producer;

import io.aijobs.contracts.InvalidJobException;
import io.aijobs.contracts.JobValidator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobRequest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobValidatorTest {

    private final JobJson json = new JobJson(Clock.fixed(Instant.parse("2026-11-27T10:00:00Z"), ZoneOffset.UTC));
    private final JobValidator validator = new JobValidator(100);

    private JobRequest valid() {
        return json.parse("{\"jobId\":\"j-1\",\"tenantId\":\"acme\",\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
    }

    @Test
    void shouldAcceptAValidJob() {
        assertThat(validator.violations(valid())).isEmpty();
    }

    @Test
    void shouldNameTheFieldOfAMissingTenant() {
        JobRequest job = valid();
        job.setTenantId("");

        assertThatThrownBy(() -> validator.validate(job))
                .isInstanceOfSatisfying(InvalidJobException.class,
                        e -> assertThat(e.violations()).extracting(InvalidJobException.Violation::field).containsExactly("tenantId"));
    }

    @Test
    void shouldRejectAnEmptyInput() {
        JobRequest job = valid();
        job.setMessages(List.of(new ChatMessage("user", "  ")));

        assertThat(validator.violations(job)).extracting(InvalidJobException.Violation::problem)
                .containsExactly("have no content; the input is empty");
    }

    @Test
    void shouldRejectAnOversizedInput() {
        JobRequest job = valid();
        job.setMessages(List.of(new ChatMessage("user", "x".repeat(101))));

        assertThat(validator.violations(job)).singleElement()
                .satisfies(v -> assertThat(v.problem()).isEqualTo("input is 101 bytes; at most 100 allowed"));
    }

    @Test
    void shouldListEveryViolationAtOnce() {
        JobRequest job = valid();
        job.setJobId(" ");
        job.setTenantId("Acme.Corp");
        job.setModel("");
        job.setMessages(List.of(new ChatMessage("robot", "hi")));
        job.setDeadline(job.getSubmittedAt());

        assertThat(validator.violations(job)).extracting(InvalidJobException.Violation::field)
                .containsExactly("jobId", "tenantId", "model", "messages[0].role", "deadline");
    }
}
