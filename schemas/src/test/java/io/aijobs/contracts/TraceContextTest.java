package io.aijobs.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TraceContextTest {

    @Test
    void shouldTakeAW3CTraceparentAndGiveItsTraceId() {
        TraceContext trace = new TraceContext("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "vendor=abc");

        assertThat(trace.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(trace.tracestate()).isEqualTo("vendor=abc");
    }

    @Test
    void shouldRefuseMalformedTraceparentsNamingThem() {
        for (String bad : new String[] {"", "00-4bf92f35-00f067aa0ba902b7-01", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}) {
            assertThatThrownBy(() -> new TraceContext(bad, null)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("traceparent must be 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>")
                    .hasMessageContaining("'" + bad + "'");
        }
        assertThatThrownBy(() -> new TraceContext("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "x".repeat(513)))
                .hasMessageContaining("tracestate must be at most 512 characters");
    }
}
