package io.aijobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.application.LogContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * {@link LogContext} with the logging backend the applications ship (Log4j, on this module's class path): the other
 * modules' tests log through slf4j-simple, whose MDC keeps nothing.
 */
class LogContextTest {

    @AfterEach
    void clear() {
        MDC.clear();
    }

    @Test
    void shouldSetTheJobsKeysAndRemoveThemOnClose() {
        try (LogContext ignored = LogContext.job("acme", "job-1", 2, "trace-1")) {
            assertThat(MDC.getCopyOfContextMap()).containsEntry("tenant", "acme").containsEntry("jobId", "job-1")
                    .containsEntry("attempt", "2").containsEntry("traceId", "trace-1");
        }
        assertThat(MDC.getCopyOfContextMap() == null ? java.util.Map.of() : MDC.getCopyOfContextMap()).isEmpty();
    }

    @Test
    void shouldNotLendAnOuterJobsValuesToAnInnerJobAndRestoreTheOuterJobOnClose() {
        MDC.put("other", "kept");
        try (LogContext outer = LogContext.job("acme", "job-a", 1, "trace-a")) {
            try (LogContext inner = LogContext.job("globex", "job-b", null, null)) {
                assertThat(MDC.get("tenant")).isEqualTo("globex");
                assertThat(MDC.get("jobId")).isEqualTo("job-b");
                assertThat(MDC.get("attempt")).as("job-b has no attempt yet").isNull();
                assertThat(MDC.get("traceId")).as("job-b has no trace id").isNull();
            }
            assertThat(MDC.get("tenant")).isEqualTo("acme");
            assertThat(MDC.get("jobId")).isEqualTo("job-a");
            assertThat(MDC.get("attempt")).isEqualTo("1");
            assertThat(MDC.get("traceId")).isEqualTo("trace-a");
        }
        assertThat(MDC.get("tenant")).isNull();
        assertThat(MDC.get("other")).as("a key not ours").isEqualTo("kept");
    }
}
