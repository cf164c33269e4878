package io.aijobs.processor;

import io.aijobs.processor.tracing.JobTracing;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * An application's tracing, configured by the standard {@code OTEL_*} environment variables (and {@code otel.*} system
 * properties). Export is off unless {@code OTEL_TRACES_EXPORTER} (or {@code otel.traces.exporter}) names an exporter:
 * then the OpenTelemetry SDK records spans and exports them, OTLP over HTTP/protobuf by default
 * ({@code OTEL_EXPORTER_OTLP_ENDPOINT}, e.g. {@code http://collector:4318}). Off, spans carry ids only
 * ({@link JobTracing#idsOnly()}): trace context still reaches records and model calls, and nothing is kept.
 *
 * @param tracing what the processor makes its spans with
 * @param sdk     the SDK to close at shutdown, when export is on
 */
record Tracing(JobTracing tracing, Optional<OpenTelemetrySdk> sdk) implements AutoCloseable {

    static Tracing configure(String serviceName) {
        return configure(serviceName, System::getenv);
    }

    static Tracing configure(String serviceName, UnaryOperator<String> environment) {
        String exporter = System.getProperty("otel.traces.exporter", environment.apply("OTEL_TRACES_EXPORTER"));
        if (exporter == null || exporter.isBlank() || exporter.trim().equals("none")) {
            return new Tracing(JobTracing.idsOnly(), Optional.empty());
        }
        // defaults only: an OTEL_* variable or otel.* property says otherwise
        OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> Map.of(
                        "otel.service.name", serviceName,
                        "otel.exporter.otlp.protocol", "http/protobuf",
                        "otel.metrics.exporter", "none",
                        "otel.logs.exporter", "none"))
                .disableShutdownHook()
                .build()
                .getOpenTelemetrySdk();
        return new Tracing(new JobTracing(sdk), Optional.of(sdk));
    }

    @Override
    public void close() {
        sdk.ifPresent(OpenTelemetrySdk::close);
    }
}
