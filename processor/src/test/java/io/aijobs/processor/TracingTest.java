package io.aijobs.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import org.junit.jupiter.api.Test;

class TracingTest {

    @Test
    void shouldRecordNothingButGiveSpansIdsInTheParentsTraceWhenNoExporterIsConfigured() {
        try (Tracing tracing = Tracing.configure("aijobs-processor", name -> null)) {
            io.opentelemetry.api.trace.SpanContext upstream = io.opentelemetry.api.trace.SpanContext.createFromRemoteParent(
                    "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", io.opentelemetry.api.trace.TraceFlags.getSampled(),
                    io.opentelemetry.api.trace.TraceState.getDefault());
            Span job = tracing.tracing().startJob(io.opentelemetry.context.Context.root().with(Span.wrap(upstream)), "acme", "j-1",
                    "tenant.acme.jobs", 0, 0, 0);
            Span root = tracing.tracing().startJob(io.opentelemetry.context.Context.root(), "acme", "j-2", "tenant.acme.jobs", 0, 1, 0);

            assertThat(tracing.sdk()).isEmpty();
            assertThat(job.isRecording()).isFalse();
            assertThat(job.getSpanContext().getTraceId()).isEqualTo(upstream.getTraceId());
            assertThat(job.getSpanContext().getSpanId()).isNotEqualTo(upstream.getSpanId());
            assertThat(job.getSpanContext().isSampled()).isTrue();
            assertThat(root.getSpanContext().isValid()).isTrue();
        }
    }

    @Test
    void shouldExportOverOtlpHttpWhenTheStandardVariableAsksForIt() {
        // the exporter is built at start (nothing is sent until a span ends): OTLP over gRPC would need a sender not shipped
        try (Tracing tracing = Tracing.configure("aijobs-processor", name -> name.equals("OTEL_TRACES_EXPORTER") ? "otlp" : null)) {
            Span span = tracing.sdk().orElseThrow().getTracer("test").spanBuilder("s").startSpan();

            assertThat(span.isRecording()).isTrue();
            assertThat(tracing.sdk().orElseThrow().getSdkTracerProvider().toString()).contains("OtlpHttpSpanExporter")
                    .contains("service.name=\"aijobs-processor\"");
        }
    }
}
