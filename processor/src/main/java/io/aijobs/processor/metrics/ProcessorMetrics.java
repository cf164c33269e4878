package io.aijobs.processor.metrics;

import io.aijobs.application.BoundedTags;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The processor's metrics. Job counters are tagged by tenant with bounded cardinality: after
 * {@code tenantTagLimit} distinct tenants, further ones are tagged {@value #OTHER_TENANT}; model tags likewise after
 * {@value #MODEL_TAG_LIMIT} models ({@link BoundedTags}). Model-call metrics follow
 * the OpenTelemetry GenAI semantic conventions ({@code gen_ai.client.operation.duration} in seconds,
 * {@code gen_ai.client.token.usage} with {@code gen_ai.token.type}).
 *
 * <p>Thread-safe.
 */
public final class ProcessorMetrics {

    public static final String OTHER_TENANT = BoundedTags.OTHER;
    /** Distinct models with a tag of their own; a job names its model, so the rest share {@value BoundedTags#OTHER}. */
    public static final int MODEL_TAG_LIMIT = 100;
    /** The configured endpoint a call went to ({@code model.endpoints}; {@code default} for {@code model.base.url}). */
    public static final String ENDPOINT_TAG = "aijobs.endpoint";

    private final MeterRegistry registry;
    private final BoundedTags tenants;
    private final BoundedTags models = new BoundedTags(MODEL_TAG_LIMIT);

    public ProcessorMetrics(MeterRegistry registry, int tenantTagLimit) {
        this.registry = registry;
        this.tenants = new BoundedTags(tenantTagLimit);
        // untagged: exported from the start, at 0, so that a rate over it exists before the first stale completion
        staleCounter();
    }

    private Counter staleCounter() {
        return Counter.builder("aijobs.model.calls.stale").description("Completions dropped because the job moved on").register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Registers the in-flight gauge. */
    public void bindInFlight(Supplier<Number> inFlight, Supplier<Number> capacity) {
        Gauge.builder("aijobs.model.calls.inflight", inFlight).description("Model calls open now").register(registry);
        Gauge.builder("aijobs.model.calls.capacity", capacity).description("max.in.flight of this instance").register(registry);
    }

    String tenantTag(String tenant) {
        return tenants.tag(tenant);
    }

    /** The limits of one endpoint of the routing table, as they move. */
    public void bindEndpoint(io.aijobs.model.routing.Endpoint endpoint) {
        Gauge.builder("aijobs.endpoint.concurrency.limit", endpoint, io.aijobs.model.routing.Endpoint::concurrencyLimit)
                .description("Calls the endpoint may have open at once now (adaptive: moves with 429 and 503)")
                .tag(ENDPOINT_TAG, endpoint.name()).register(registry);
        Gauge.builder("aijobs.endpoint.calls.inflight", endpoint, io.aijobs.model.routing.Endpoint::inFlight)
                .description("Calls open at the endpoint now").tag(ENDPOINT_TAG, endpoint.name()).register(registry);
        Gauge.builder("aijobs.endpoint.calls.waiting", endpoint, io.aijobs.model.routing.Endpoint::waiting)
                .description("Calls waiting for the endpoint's concurrency limit, budgets or Retry-After hold")
                .tag(ENDPOINT_TAG, endpoint.name()).register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("aijobs.endpoint.overloaded", endpoint,
                        e -> (double) e.overloadedAnswers())
                .description("Answers from the endpoint that said it was overloaded (429, 503)")
                .tag(ENDPOINT_TAG, endpoint.name()).register(registry);
    }

    String modelTag(String model) {
        return models.tag(model);
    }

    public void received(String tenant) {
        counter("aijobs.jobs.received", tenant).increment();
    }

    public void deduplicated(String tenant) {
        counter("aijobs.jobs.deduplicated", tenant).increment();
    }

    /**
     * A job of a tenant whose policy keeps a response cache was looked up in it, when it arrived or when it was about to
     * start after waiting: {@code hit} answered it with no call.
     */
    public void responseCache(String tenant, boolean hit) {
        Counter.builder("aijobs.response.cache.lookups").description("Lookups in the tenants' response caches, by result: when a job "
                        + "arrives, and again when a job that waited is about to start")
                .tag("tenant", tenantTag(tenant)).tag("result", hit ? "hit" : "miss").register(registry).increment();
    }

    /** A job joined one of its task's batches, to be answered through the provider's batch interface. */
    public void batched(String tenant) {
        counter("aijobs.batch.jobs", tenant).increment();
    }

    /**
     * A batch operation ({@code submit}: upload and create, or find again; {@code poll}: follow and read answers) that
     * failed and is tried again after {@code batch.poll.interval.ms}, or ({@code rejected}) refused for good.
     */
    public void batchOperationFailed(String endpoint, String operation) {
        Counter.builder("aijobs.batch.operations.failed").description("Batch operations that failed, by endpoint and operation")
                .tag("endpoint", endpoint).tag("operation", operation).register(registry).increment();
    }

    /** An answer in a batch's files for a {@code custom_id} the batch did not have: recorded here and ignored. */
    public void batchUnknownResult(String endpoint) {
        Counter.builder("aijobs.batch.results.unknown").description("Answers in batch files for a custom_id the batch did not have; "
                + "ignored").tag("endpoint", endpoint).register(registry).increment();
    }

    /**
     * A task's start found its unfinished jobs in {@code took}: through the index of unfinished jobs, or, with
     * {@code scanned}, by a scan of every job remembered (the first start after an upgrade to the index).
     */
    public void unfinishedJobsFound(Duration took, boolean scanned) {
        Timer.builder("aijobs.task.recovery").description("Time a task's start took to find its unfinished jobs; scan=true: "
                + "it read every job remembered, to build the index of unfinished jobs").tag("scan", Boolean.toString(scanned))
                .register(registry).record(took);
    }

    public void queued(String tenant) {
        counter("aijobs.jobs.queued", tenant).increment();
    }

    public void completed(String tenant, Duration endToEnd) {
        counter("aijobs.jobs.completed", tenant).increment();
        Timer.builder("aijobs.job.duration").description("End-to-end job time: submitted to result written")
                .tag("tenant", tenantTag(tenant)).publishPercentileHistogram()
                // a job that waited out retries takes minutes: buckets up to an hour, not Micrometer's default 30 s
                .maximumExpectedValue(java.time.Duration.ofHours(1)).register(registry).record(endToEnd);
    }

    public void failed(String tenant, String category) {
        Counter.builder("aijobs.jobs.failed").tag("tenant", tenantTag(tenant)).tag("category", category)
                .register(registry).increment();
    }

    public void retryScheduled(String tenant, String category) {
        Counter.builder("aijobs.jobs.retries.scheduled").description("Retries scheduled after a failed model call")
                .tag("tenant", tenantTag(tenant)).tag("category", category).register(registry).increment();
    }

    public void staleCompletion() {
        staleCounter().increment();
    }

    public void unpriced(String model) {
        Counter.builder("aijobs.cost.unpriced.calls").description("Calls of models without a price")
                .tag("gen_ai.request.model", modelTag(model)).register(registry).increment();
    }

    /** One model call, per the GenAI conventions; {@code errorType} is null on success. */
    public void modelCall(String model, String endpoint, Duration duration, String errorType, int inputTokens, int outputTokens) {
        Timer.Builder timer = Timer.builder("gen_ai.client.operation.duration")
                .description("GenAI operation duration")
                .tag("gen_ai.operation.name", "chat")
                .tag("gen_ai.request.model", modelTag(model))
                .tag(ENDPOINT_TAG, endpoint == null || endpoint.isEmpty() ? "none" : endpoint)
                .publishPercentileHistogram()
                // long generations and slow providers exceed Micrometer's default 30 s
                .maximumExpectedValue(java.time.Duration.ofMinutes(10));
        if (errorType != null) {
            timer.tag("error.type", errorType);
        }
        timer.register(registry).record(duration);
        if (inputTokens > 0 || outputTokens > 0) {
            tokens(model, "input").record(inputTokens);
            tokens(model, "output").record(outputTokens);
        }
    }

    private DistributionSummary tokens(String model, String type) {
        return DistributionSummary.builder("gen_ai.client.token.usage").baseUnit("{token}")
                .description("Measures number of input and output tokens used")
                .tag("gen_ai.operation.name", "chat").tag("gen_ai.request.model", modelTag(model)).tag("gen_ai.token.type", type)
                .register(registry);
    }

    private Counter counter(String name, String tenant) {
        return Counter.builder(name).tag("tenant", tenantTag(tenant)).register(registry);
    }
}
