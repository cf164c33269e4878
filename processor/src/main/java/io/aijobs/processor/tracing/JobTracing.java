package io.aijobs.processor.tracing;

import io.aijobs.model.ModelOutcome;
import io.aijobs.schema.JobRequest;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The processor's spans, W3C trace context in and out. A job's span ({@value #JOB_SPAN}) runs from its receipt to its
 * result or dead letter and continues the trace of the job's {@code traceparent} header (a job without one starts a
 * trace); under it, one span per model-call attempt ({@code chat <model>}, the GenAI semantic conventions' attributes,
 * never prompt or output content), and the waits ({@value #QUEUE_WAIT_SPAN}, {@value #RETRY_WAIT_SPAN}), recorded
 * when they end with the times they began. The call's span context is what the model service receives as
 * {@code traceparent}.
 *
 * <p>With export off ({@link #idsOnly()}), no span is recorded: each gets ids, continuing its parent's trace, and nothing
 * else, so that trace context still reaches records and model calls while a waiting job holds no span in memory.
 *
 * <p>Spans live in memory: a job span open when its instance crashes is lost with it. The new owner of the task opens
 * a job span of its own for the job ({@code aijobs.job.resumed}), a child of the lost one so the trace stays one, and a
 * call it issues again is marked {@code aijobs.call.reissued} and linked to the lost attempt's span.
 */
public final class JobTracing {

    public static final String INSTRUMENTATION = "io.aijobs.processor";
    public static final String JOB_SPAN = "aijobs.job";
    public static final String QUEUE_WAIT_SPAN = "aijobs.queue_wait";
    public static final String RETRY_WAIT_SPAN = "aijobs.retry_wait";

    public static final AttributeKey<String> TENANT = AttributeKey.stringKey("aijobs.tenant");
    public static final AttributeKey<String> JOB_ID = AttributeKey.stringKey("aijobs.job.id");
    public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("aijobs.job.outcome");
    public static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("aijobs.job.attempts");
    public static final AttributeKey<Boolean> RESUMED = AttributeKey.booleanKey("aijobs.job.resumed");
    public static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("aijobs.attempt");
    public static final AttributeKey<Boolean> REISSUED = AttributeKey.booleanKey("aijobs.call.reissued");
    public static final AttributeKey<String> ENDPOINT = AttributeKey.stringKey("aijobs.endpoint");
    public static final AttributeKey<String> BATCH_ID = AttributeKey.stringKey("aijobs.batch.id");
    public static final AttributeKey<String> WAIT_REASON = AttributeKey.stringKey("aijobs.wait.reason");
    public static final AttributeKey<String> CATEGORY = AttributeKey.stringKey("aijobs.failure.category");
    // GenAI semantic conventions (gen_ai.*), and the general error.type
    public static final AttributeKey<String> GEN_AI_OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    public static final AttributeKey<String> GEN_AI_PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    public static final AttributeKey<String> GEN_AI_REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    public static final AttributeKey<Long> GEN_AI_REQUEST_MAX_TOKENS = AttributeKey.longKey("gen_ai.request.max_tokens");
    public static final AttributeKey<Double> GEN_AI_REQUEST_TEMPERATURE = AttributeKey.doubleKey("gen_ai.request.temperature");
    public static final AttributeKey<String> GEN_AI_RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    public static final AttributeKey<List<String>> GEN_AI_FINISH_REASONS = AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    public static final AttributeKey<Long> GEN_AI_INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    public static final AttributeKey<Long> GEN_AI_OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    public static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");

    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final TextMapGetter<Headers> KAFKA_HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers carrier) {
            List<String> keys = new ArrayList<>();
            carrier.forEach(header -> keys.add(header.key()));
            return keys;
        }

        @Override
        public String get(Headers carrier, String key) {
            Header header = carrier == null ? null : carrier.lastHeader(key);
            return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
        }
    };
    private static final TextMapGetter<Map<String, String>> MAP = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final Tracer tracer;
    private final io.opentelemetry.sdk.trace.IdGenerator ids = io.opentelemetry.sdk.trace.IdGenerator.random();

    /** Spans recorded through {@code openTelemetry}, for its exporters. */
    public JobTracing(OpenTelemetry openTelemetry) {
        this.tracer = openTelemetry.getTracer(INSTRUMENTATION);
    }

    private JobTracing() {
        this.tracer = null;
    }

    /** Trace context only: spans with ids and nothing else, never recorded (export off). */
    public static JobTracing idsOnly() {
        return new JobTracing();
    }

    /** A span that only carries ids: a child of {@code parent}'s span, or a new trace's root. */
    private Span idsOf(Context parent) {
        SpanContext of = Span.fromContext(parent).getSpanContext();
        return Span.wrap(SpanContext.create(of.isValid() ? of.getTraceId() : ids.generateTraceId(), ids.generateSpanId(),
                of.isValid() ? of.getTraceFlags() : TraceFlags.getSampled(), of.isValid() ? of.getTraceState() : TraceState.getDefault()));
    }

    /** The trace context a job record carries ({@code traceparent}, {@code tracestate}); the root context when none or invalid. */
    public static Context parentOf(Headers headers) {
        return W3C.extract(Context.root(), headers, KAFKA_HEADERS);
    }

    /** A span context written down as {@code traceparent} (and {@code tracestate}): what records and calls carry. */
    public static Map<String, String> headers(SpanContext context) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (context.isValid()) {
            W3C.inject(Context.root().with(Span.wrap(context)), headers, Map::put);
        }
        return headers;
    }

    /** The span context of a stored {@code traceparent} and {@code tracestate}, remote; invalid when there is none. */
    public static SpanContext stored(String traceparent, String tracestate) {
        if (traceparent == null) {
            return SpanContext.getInvalid();
        }
        Map<String, String> carrier = new LinkedHashMap<>();
        carrier.put(io.aijobs.contracts.JobHeaders.TRACEPARENT, traceparent);
        if (tracestate != null) {
            carrier.put(io.aijobs.contracts.JobHeaders.TRACESTATE, tracestate);
        }
        return Span.fromContext(W3C.extract(Context.root(), carrier, MAP)).getSpanContext();
    }

    /** A span id of a stored call span, with the job's trace: the link a re-issued call makes to it. */
    public static SpanContext storedCall(SpanContext job, String spanId) {
        return spanId == null || !job.isValid() ? SpanContext.getInvalid()
                : SpanContext.createFromRemoteParent(job.getTraceId(), spanId, TraceFlags.getSampled(), TraceState.getDefault());
    }

    /** Opens a job's span at its receipt, continuing {@code parent}'s trace. */
    public Span startJob(Context parent, String tenant, String jobId, String topic, int partition, long offset, long nowMs) {
        if (tracer == null) {
            return idsOf(parent);
        }
        return tracer.spanBuilder(JOB_SPAN).setParent(parent).setSpanKind(SpanKind.CONSUMER)
                .setStartTimestamp(nowMs, TimeUnit.MILLISECONDS)
                .setAttribute(TENANT, tenant).setAttribute(JOB_ID, jobId)
                .setAttribute("messaging.system", "kafka").setAttribute("messaging.destination.name", topic)
                .setAttribute("messaging.destination.partition.id", Integer.toString(partition))
                .setAttribute("messaging.kafka.offset", offset)
                .startSpan();
    }

    /**
     * Opens a job span for a job taken over from another instance or life of the task, whose own span was lost:
     * a child of that span ({@code lost}), so the trace stays one, from {@code sinceMs}.
     */
    public Span resumeJob(SpanContext lost, String tenant, String jobId, long sinceMs) {
        if (tracer == null) {
            return idsOf(Context.root().with(Span.wrap(lost)));
        }
        return tracer.spanBuilder(JOB_SPAN).setParent(Context.root().with(Span.wrap(lost))).setSpanKind(SpanKind.CONSUMER)
                .setStartTimestamp(sinceMs, TimeUnit.MILLISECONDS)
                .setAttribute(TENANT, tenant).setAttribute(JOB_ID, jobId).setAttribute(RESUMED, true)
                .startSpan();
    }

    /**
     * Ends a job's span: {@code outcome} completed, cached, dead_lettered or moved; an error status unless it ended well.
     * {@code attempts}: null when not known here (a span ended because its task moved).
     */
    public static void endJob(Span job, String outcome, Integer attempts, String category, long nowMs) {
        job.setAttribute(OUTCOME, outcome);
        if (attempts != null) {
            job.setAttribute(ATTEMPTS, (long) attempts);
        }
        if (category != null) {
            job.setAttribute(CATEGORY, category);
            job.setStatus(StatusCode.ERROR, category);
        }
        job.end(nowMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Opens the span of one model-call attempt under the job's; {@code reissuedFrom}: present when the attempt is issued
     * again after a crash or a rebalance, with the lost span of the same attempt (invalid when it is not known).
     */
    public Span startCall(Span job, JobRequest request, int attempt, Optional<SpanContext> reissuedFrom, long nowMs) {
        if (tracer == null) {
            return idsOf(Context.root().with(job));
        }
        var builder = tracer.spanBuilder("chat " + request.getModel()).setParent(Context.root().with(job)).setSpanKind(SpanKind.CLIENT)
                .setStartTimestamp(nowMs, TimeUnit.MILLISECONDS)
                .setAttribute(GEN_AI_OPERATION, "chat").setAttribute(GEN_AI_PROVIDER, "openai")
                .setAttribute(GEN_AI_REQUEST_MODEL, request.getModel()).setAttribute(ATTEMPT, (long) attempt);
        if (request.getParameters() != null && request.getParameters().getMaxOutputTokens() != null) {
            builder.setAttribute(GEN_AI_REQUEST_MAX_TOKENS, (long) request.getParameters().getMaxOutputTokens());
        }
        if (request.getParameters() != null && request.getParameters().getTemperature() != null) {
            builder.setAttribute(GEN_AI_REQUEST_TEMPERATURE, request.getParameters().getTemperature());
        }
        reissuedFrom.ifPresent(lost -> {
            builder.setAttribute(REISSUED, true);
            if (lost.isValid()) {
                builder.addLink(lost);
            }
        });
        return builder.startSpan();
    }

    /** Ends a call's span with what the answer said: tokens, finish reason, or the error's type; never content. */
    public static void endCall(Span call, ModelOutcome outcome, String endpoint, String errorType, long nowMs) {
        if (endpoint != null && !endpoint.isEmpty()) {
            call.setAttribute(ENDPOINT, endpoint);
        }
        outcome.httpStatus().ifPresent(status -> call.setAttribute(HTTP_STATUS, (long) status));
        if (outcome instanceof ModelOutcome.Success success) {
            call.setAttribute(GEN_AI_RESPONSE_MODEL, success.model());
            call.setAttribute(GEN_AI_INPUT_TOKENS, (long) success.inputTokens());
            call.setAttribute(GEN_AI_OUTPUT_TOKENS, (long) success.outputTokens());
            if (success.finishReason() != null) {
                call.setAttribute(GEN_AI_FINISH_REASONS, List.of(success.finishReason()));
            }
        } else {
            call.setAttribute(ERROR_TYPE, errorType);
            call.setStatus(StatusCode.ERROR, errorType);
        }
        call.end(nowMs, TimeUnit.MILLISECONDS);
    }

    /** Records a wait under the job's span, from {@code sinceMs} to {@code nowMs}: {@value #QUEUE_WAIT_SPAN} or {@value #RETRY_WAIT_SPAN}. */
    public void recordWait(Span job, String name, long sinceMs, long nowMs, Attributes attributes) {
        if (tracer == null) {
            return;
        }
        tracer.spanBuilder(name).setParent(Context.root().with(job)).setSpanKind(SpanKind.INTERNAL)
                .setStartTimestamp(sinceMs, TimeUnit.MILLISECONDS).setAllAttributes(attributes).startSpan()
                .end(Math.max(sinceMs, nowMs), TimeUnit.MILLISECONDS);
    }
}
