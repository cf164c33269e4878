package io.aijobs.processor;

import io.aijobs.contracts.TopicNames;
import io.aijobs.processor.alerts.AlertRules;
import io.aijobs.processor.failure.FailurePolicies;
import io.aijobs.processor.failure.RetryPolicy;
import io.aijobs.processor.pricing.PriceTable;
import io.aijobs.schema.FailureCategory;
import io.aijobs.serde.AvroSerdeConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import io.aijobs.application.StreamsAppConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import io.aijobs.processor.routing.RoutingConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Configuration of the processor. Unknown or invalid values fail at start-up naming the key. Keys prefixed
 * {@value #STREAMS_PREFIX} are passed to Kafka Streams (e.g. {@code streams.num.stream.threads=2}); the processing
 * guarantee is always {@code exactly_once_v2} and cannot be overridden.
 */
public final class ProcessorConfig extends StreamsAppConfig {

    public static final String MODEL_BASE_URL_CONFIG = "model.base.url";
    public static final String MODEL_API_KEY_CONFIG = "model.api.key";
    public static final String MODEL_TIMEOUT_MS_CONFIG = "model.timeout.ms";
    public static final String MODEL_CONNECT_TIMEOUT_MS_CONFIG = "model.connect.timeout.ms";

    public static final String MAX_IN_FLIGHT_CONFIG = "max.in.flight";
    public static final String BACKPRESSURE_MAX_BLOCK_MS_CONFIG = "backpressure.max.block.ms";
    public static final String BACKPRESSURE_QUEUED_JOBS_PER_TENANT_CONFIG = "backpressure.queued.jobs.per.tenant";
    public static final String RESPONSE_CACHE_MAX_ENTRIES_CONFIG = "response.cache.max.entries";
    public static final String RESPONSE_CACHE_MAX_BYTES_CONFIG = "response.cache.max.bytes";
    public static final String COMPLETION_POLL_INTERVAL_MS_CONFIG = "completion.poll.interval.ms";
    public static final String BATCH_ENDPOINTS_CONFIG = "batch.endpoints";
    public static final String BATCH_MAX_JOBS_CONFIG = "batch.max.jobs";
    public static final String BATCH_MAX_BYTES_CONFIG = "batch.max.bytes";
    public static final String BATCH_MAX_WAIT_MS_CONFIG = "batch.max.wait.ms";
    public static final String BATCH_POLL_INTERVAL_MS_CONFIG = "batch.poll.interval.ms";
    public static final String DEDUP_HORIZON_MS_CONFIG = "dedup.horizon.ms";
    public static final String DEDUP_CLEANUP_INTERVAL_MS_CONFIG = "dedup.cleanup.interval.ms";
    public static final String MAX_INPUT_BYTES_CONFIG = "max.input.bytes";
    public static final String TENANT_DISCOVERY_INTERVAL_MS_CONFIG = "tenant.discovery.interval.ms";
    /**
     * The processor's {@code num.standby.replicas} unless {@code streams.num.standby.replicas} says otherwise: each task's
     * state is kept warm on another instance, so the instance that takes over a dead one's tasks need not restore them first.
     */
    public static final int STANDBY_REPLICAS = 1;
    /**
     * The processor's {@code acceptable.recovery.lag} unless {@code streams.acceptable.recovery.lag} says otherwise: an
     * instance that would have to restore more changelog records than this before running a task (one restarted after a
     * crash, with its local state gone) does not get the task back while another instance has it warm; it warms up a
     * copy instead, and gets the task at a later rebalance.
     */
    public static final long ACCEPTABLE_RECOVERY_LAG = 100L;
    /**
     * The processor's consumer {@code max.poll.records} (Kafka Streams' default is 1,000) unless
     * {@code streams.consumer.max.poll.records} says otherwise. A stream thread polls again only once it has processed
     * every record the last poll gave it, and it joins a rebalance only when it polls: with 1,000 records to go through
     * at a few dozen jobs per second, an instance took over a dead one's tasks up to 11 s late.
     */
    public static final int MAX_POLL_RECORDS = 100;
    /**
     * The processor's consumer {@code max.partition.fetch.bytes} (Kafka's default is 1 MiB) unless
     * {@code streams.consumer.max.partition.fetch.bytes} says otherwise. The consumer hands out what it fetched partition
     * by partition: after one tenant published a burst, a fetch brought about 3,000 of its jobs per partition, and another
     * tenant's new jobs were read only after all of them (B4 in docs/benchmarks.md: that tenant's p99 went from 419 ms to
     * 1,519 ms during the burst; with 64 KiB, 975 ms; with 16 KiB and {@link #BUFFERED_RECORDS_PER_PARTITION}, 697 ms).
     * Jobs are small and few per second next to what a fetch carries, so throughput did not change (B1 within its noise).
     */
    public static final int MAX_PARTITION_FETCH_BYTES = 16 * 1024;
    /**
     * Kafka Streams' {@code buffered.records.per.partition} for the processor (default 1,000) unless
     * {@code streams.buffered.records.per.partition} says otherwise: how many fetched jobs of one partition wait in a
     * task's buffer, ahead of jobs of other tenants fetched later. See {@link #MAX_PARTITION_FETCH_BYTES}.
     */
    public static final int BUFFERED_RECORDS_PER_PARTITION = 100;
    /**
     * Kafka Streams' {@code poll.ms} for the processor (default 100) unless {@code streams.poll.ms} says otherwise. When
     * no records arrive, the stream thread waits this long in each poll before it punctuates; the punctuations are what
     * collect finished calls and start queued jobs, so with the default a waiting job (and a freed slot) waited up to
     * 100 ms for them. With 10 ms, B4's steady tenant waited 65 to 200 ms less for its starts during the other tenant's
     * burst, and B1 rose from about 1,000 to 1,100 jobs/s (one run each, docs/benchmarks.md has the recorded one).
     */
    public static final long POLL_MS = 10;
    /**
     * Kafka Streams' {@code max.task.idle.ms} for the processor (default 0) unless {@code streams.max.task.idle.ms} says
     * otherwise: -1, a task processes the jobs it has buffered without first checking whether its other partitions have
     * jobs on the brokers not yet fetched. A task holds partition p of every tenant's jobs topic, most of them empty at
     * any moment; with 0, Kafka Streams checked each empty one on every pass and built a log message for it whether
     * logged or not (9% of the stream thread's samples in a B2 profile). The order it would keep across partitions is
     * the order of arrival stamps ({@code ArrivalTimeExtractor}), which are read times, so nothing is lost. B2 rounds
     * run alternately gave 1,925 and 1,690 jobs/s with -1 against 1,547 and 1,322 with 0 (2026-12-02).
     */
    public static final long MAX_TASK_IDLE_MS = -1;

    public static final String PRICING_VERSION_CONFIG = "pricing.version";
    public static final String PRICING_CURRENCY_CONFIG = "pricing.currency";
    public static final String PRICING_MODELS_CONFIG = "pricing.models";
    public static final String PRICING_UNKNOWN_MODEL_POLICY_CONFIG = "pricing.unknown.model.policy";
    public static final String TENANT_POLICY_REQUIRED_CONFIG = "tenant.policy.required";
    public static final String DEAD_LETTER_CONTENT_CONFIG = "dead-letter.content";

    public static final String RETRY_PREFIX = "retry.";
    public static final String RETRY_MAX_ATTEMPTS_SUFFIX = ".max.attempts";
    public static final String RETRY_BACKOFF_INITIAL_MS_SUFFIX = ".backoff.initial.ms";
    public static final String RETRY_BACKOFF_MAX_MS_SUFFIX = ".backoff.max.ms";
    public static final String RETRY_BACKOFF_MULTIPLIER_SUFFIX = ".backoff.multiplier";
    public static final String RETRY_TIER_SUFFIX = ".tier";
    public static final String RETRY_BACKOFF_JITTER_CONFIG = "retry.backoff.jitter";
    public static final String RETRY_POLL_INTERVAL_MS_CONFIG = "retry.poll.interval.ms";
    /** The categories that are retried, with their config name ({@code retry.<name>.max.attempts}, ...). */
    public static final Map<FailureCategory, String> RETRIED_CATEGORIES = Map.of(
            FailureCategory.TRANSIENT, "transient", FailureCategory.RATE_LIMITED, "rate-limited");

    public static final String ALERTS_ENABLED_CONFIG = "alerts.enabled";
    public static final String ALERTS_WINDOW_MS_CONFIG = "alerts.window.ms";
    public static final String ALERTS_DLT_RATE_CONFIG = "alerts.dlt.rate.threshold";
    public static final String ALERTS_DLT_RATE_MIN_JOBS_CONFIG = "alerts.dlt.rate.min.jobs";
    public static final String ALERTS_DLT_CATEGORY_CONFIG = "alerts.dlt.category.threshold";
    public static final String ALERTS_RETRIES_CONFIG = "alerts.retries.threshold";
    public static final String ALERTS_EVALUATION_INTERVAL_MS_CONFIG = "alerts.evaluation.interval.ms";

    public static final String METRICS_PORT_CONFIG = "metrics.port";
    public static final String METRICS_HOST_CONFIG = "metrics.host";
    public static final String METRICS_TENANT_TAG_LIMIT_CONFIG = "metrics.tenant.tag.limit";

    /** What to do with a job whose model has no price. */
    public enum UnknownModelPolicy {
        /** Dead-letter the job (PERMANENT, unknown_model_price) before any call is made. */
        REJECT,
        /** Run it and mark its cost unpriced ({@code priced=false}), counted in a metric: never read as free. */
        UNPRICED
    }

    private static final ConfigDef CONFIG = withRetryPolicies(baseConfigDef("aijobs-processor")
            .define(MODEL_BASE_URL_CONFIG, Type.STRING, null, Importance.HIGH,
                    "OpenAI-compatible API base, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1: one endpoint for every"
                            + " model, with a fixed limit of max.in.flight. Required unless model.endpoints is set.")
            .define(MODEL_API_KEY_CONFIG, Type.PASSWORD, null, Importance.HIGH,
                    "Bearer token for model.base.url. A secret: never logged.")
            .define(RoutingConfig.ENDPOINTS_CONFIG, Type.LIST, "", Importance.HIGH,
                    "Named model endpoints, each configured by model.endpoint.NAME.*; replaces model.base.url.")
            .define(RoutingConfig.ROUTES_CONFIG, Type.LIST, "", Importance.HIGH,
                    "Named routes from models to endpoints, each configured by model.route.NAME.*; required with model.endpoints.")
            .define(MODEL_TIMEOUT_MS_CONFIG, Type.LONG, 60_000L, Range.atLeast(1), Importance.MEDIUM,
                    "Bound on one model call. Longer than the transaction timeout is fine: no transaction waits on a call.")
            .define(MODEL_CONNECT_TIMEOUT_MS_CONFIG, Type.LONG, 5_000L, Range.atLeast(1), Importance.LOW,
                    "Bound on opening a connection to the model service.")
            .define(MAX_IN_FLIGHT_CONFIG, Type.INT, 256, Range.between(1, 100_000), Importance.HIGH,
                    "Most model calls open at once in this instance, across all its tasks and threads.")
            .define(BACKPRESSURE_MAX_BLOCK_MS_CONFIG, Type.LONG, 1_000L, Range.between(0, 5_000), Importance.LOW,
                    "How long the stream thread waits, for each further job of a tenant that has "
                            + BACKPRESSURE_QUEUED_JOBS_PER_TENANT_CONFIG + " jobs queued in the task, for that backlog to "
                            + "shrink. Kept well below the transaction timeout.")
            .define(BACKPRESSURE_QUEUED_JOBS_PER_TENANT_CONFIG, Type.INT, 10_000, Range.between(1, 1_000_000), Importance.LOW,
                    "Jobs of one tenant a task keeps in its durable start queue (QUEUED in the job-state store) before "
                            + "the tenant's further jobs slow the task's intake. Below it a burst is taken in at once, so other "
                            + "tenants' jobs on the same task are read without waiting behind it.")
            .define(RESPONSE_CACHE_MAX_ENTRIES_CONFIG, Type.INT, 100_000, Range.atLeast(1), Importance.LOW,
                    "Answers of the tenants' response caches (policy responseCacheTtlMs) an instance keeps in memory, all "
                            + "tenants together; past it, the oldest are evicted from the instance (a later identical job calls "
                            + "the model again).")
            .define(RESPONSE_CACHE_MAX_BYTES_CONFIG, Type.LONG, 64L * 1024 * 1024, Range.atLeast(1), Importance.LOW,
                    "Memory the response cache of an instance may take, estimated per answer as two bytes per character "
                            + "of its key and text plus 128; past it, the oldest answers are evicted from the instance.")
            .define(BATCH_ENDPOINTS_CONFIG, Type.LIST, "", Importance.MEDIUM,
                    "Endpoints (names of model.endpoints, or default for model.base.url) whose service has OpenAI's batch "
                            + "interface (/v1/files, /v1/batches). Jobs of priority BATCH, and every job of a tenant whose policy "
                            + "has batchJobs, go through the first of them on their model's route, at the batch price, when "
                            + "their deadline leaves batch.max.wait.ms plus the 24 h completion window. Empty: no batches.")
            .define(BATCH_MAX_JOBS_CONFIG, Type.INT, 1_000, Range.between(1, 10_000), Importance.LOW,
                    "Most jobs in one batch; a full batch is submitted at once.")
            .define(BATCH_MAX_BYTES_CONFIG, Type.LONG, 16L * 1024 * 1024, Range.between(1_024, 200L * 1024 * 1024), Importance.LOW,
                    "Most bytes of requests (as received) in one batch; a batch that reaches it is submitted at once. The "
                            + "batch's file is built in memory, somewhat larger than this.")
            .define(BATCH_MAX_WAIT_MS_CONFIG, Type.LONG, 60_000L, Range.between(0, 3_600_000), Importance.LOW,
                    "Longest the first job of a batch waits for others before the batch is submitted.")
            .define(BATCH_POLL_INTERVAL_MS_CONFIG, Type.LONG, 30_000L, Range.between(100, 3_600_000), Importance.LOW,
                    "How often each submitted batch is asked whether it has ended; a failed submission is tried again "
                            + "after as long.")
            .define(COMPLETION_POLL_INTERVAL_MS_CONFIG, Type.LONG, 5L, Range.between(1, 1_000), Importance.LOW,
                    "How often the stream thread collects finished calls and starts queued jobs when no records arrive. "
                            + "A slot another task leaves free for a tenant owed it is taken at the owing task's next "
                            + "record or run of this: with 20 ms, a tenant's jobs waited 30 ms at the median for a slot "
                            + "during another tenant's burst.")
            .define(DEDUP_HORIZON_MS_CONFIG, Type.LONG, Duration.ofDays(7).toMillis(), Range.atLeast(60_000), Importance.MEDIUM,
                    "How long a finished job is remembered: a resubmission within the horizon is a duplicate; after it, "
                            + "the job runs again.")
            .define(DEDUP_CLEANUP_INTERVAL_MS_CONFIG, Type.LONG, Duration.ofMinutes(10).toMillis(), Range.atLeast(1_000), Importance.LOW,
                    "How often a sweep starts that removes finished jobs older than the horizon from the store; a sweep goes on "
                            + "once a second, for at most 50 ms of the stream thread each time, until it has seen the whole store.")
            .define(MAX_INPUT_BYTES_CONFIG, Type.INT, 256 * 1024, Range.atLeast(1), Importance.MEDIUM,
                    "Largest accepted input (UTF-8 bytes of all message contents); larger jobs are INVALID.")
            .define(TENANT_DISCOVERY_INTERVAL_MS_CONFIG, Type.LONG, 30_000L, Range.atLeast(1_000), Importance.LOW,
                    "How soon a new tenant's jobs topic is picked up (consumer metadata refresh).")
            .define(PRICING_VERSION_CONFIG, Type.STRING, "dev-1", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Version of the price table, recorded on every cost.")
            .define(PRICING_CURRENCY_CONFIG, Type.STRING, "USD", new ConfigDef.NonEmptyString(), Importance.LOW, "ISO 4217 currency of the prices.")
            .define(PRICING_MODELS_CONFIG, Type.LIST, "", Importance.HIGH,
                    "Prices: model=inputPerMillionTokens:outputPerMillionTokens[:cachedInputPerMillionTokens[:batchInput:batchOutput]], "
                            + "comma-separated, e.g. gpt-4o-mini=0.15:0.60:0.075:0.075:0.30. Without the third price (or with it "
                            + "empty), cached input tokens are billed as input; without the batch prices, batch calls cost the regular ones.")
            .define(PRICING_UNKNOWN_MODEL_POLICY_CONFIG, Type.STRING, UnknownModelPolicy.UNPRICED.name(),
                    ValidString.in("REJECT", "UNPRICED"), Importance.MEDIUM,
                    "REJECT: dead-letter jobs for models without a price, before any call. UNPRICED: run them and mark the cost unpriced.")
            .define(TENANT_POLICY_REQUIRED_CONFIG, Type.BOOLEAN, false, Importance.HIGH,
                    "true: a job whose tenant has no record on the tenant-policies topic (not provisioned with aijobs tenant create) "
                            + "is dead-lettered as SECURITY before any call. The secure profile sets it.")
            .define(DEAD_LETTER_CONTENT_CONFIG, Type.STRING, "FULL", ValidString.in("FULL", "HASH"), Importance.MEDIUM,
                    "What dead letters keep of a job when its tenant's policy does not say: FULL (the original bytes, replayable) "
                            + "or HASH (their SHA-256 in the aijobs.content-sha256 header; nothing of the prompt is kept).")
            .define(METRICS_PORT_CONFIG, Type.INT, -1, Range.between(-1, 65_535), Importance.LOW,
                    "Port of the Prometheus scrape endpoint (GET /metrics); -1 disables it, 0 picks a free port.")
            .define(METRICS_HOST_CONFIG, Type.STRING, "127.0.0.1", Importance.LOW, "Address the metrics endpoint binds.")
            .define(METRICS_TENANT_TAG_LIMIT_CONFIG, Type.INT, 100, Range.atLeast(1), Importance.LOW,
                    "Distinct tenant tag values in metrics; further tenants are tagged 'other' so cardinality stays bounded.")
            .define(RETRY_BACKOFF_JITTER_CONFIG, Type.DOUBLE, 0.2, Range.between(0.0, 0.9), Importance.LOW,
                    "Fraction of each retry delay taken off at random, so a burst of failures does not come back at once.")
            .define(RETRY_POLL_INTERVAL_MS_CONFIG, Type.LONG, 200L, Range.between(10, 10_000), Importance.LOW,
                    "How often each task looks for retries that are due.")
            .define(ALERTS_ENABLED_CONFIG, Type.BOOLEAN, true, Importance.MEDIUM,
                    "Raise failure alerts (dlt_rate, dlt_category, retry_backlog) on the alerts topics.")
            .define(ALERTS_WINDOW_MS_CONFIG, Type.LONG, Duration.ofMinutes(5).toMillis(), Range.atLeast(1_000), Importance.LOW,
                    "Sliding window the failure alerts count over.")
            .define(ALERTS_DLT_RATE_CONFIG, Type.STRING, "0.10", new DecimalFraction(), Importance.MEDIUM,
                    "dlt_rate fires for a tenant when this fraction of its finished jobs was dead-lettered in the window.")
            .define(ALERTS_DLT_RATE_MIN_JOBS_CONFIG, Type.INT, 20, Range.atLeast(1), Importance.LOW,
                    "...and at least this many of its jobs finished in the window.")
            .define(ALERTS_DLT_CATEGORY_CONFIG, Type.INT, 50, Range.atLeast(1), Importance.MEDIUM,
                    "dlt_category fires when this many dead letters of one category, across tenants, fall in the window.")
            .define(ALERTS_RETRIES_CONFIG, Type.INT, 100, Range.atLeast(1), Importance.MEDIUM,
                    "retry_backlog fires for a tenant when this many retries were scheduled in the window.")
            .define(ALERTS_EVALUATION_INTERVAL_MS_CONFIG, Type.LONG, 10_000L, Range.between(100, 600_000), Importance.LOW,
                    "How often alerts are evaluated without new signals, so they resolve when failures stop."));

    /** A decimal fraction in [0, 1], exact. */
    private static final class DecimalFraction implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            try {
                java.math.BigDecimal fraction = new java.math.BigDecimal(String.valueOf(value).trim());
                if (fraction.signum() < 0 || fraction.compareTo(java.math.BigDecimal.ONE) > 0) {
                    throw new ConfigException(name, value, "must be a fraction between 0 and 1");
                }
            } catch (NumberFormatException e) {
                throw new ConfigException(name, value, "must be a decimal fraction such as 0.10");
            }
        }

        @Override
        public String toString() {
            return "a decimal in [0, 1]";
        }
    }

    private static ConfigDef withRetryPolicies(ConfigDef def) {
        retryDefaults(def, FailureCategory.TRANSIENT, 8, 1_000, 30_000, "TRANSIENT (timeouts, connection errors, 5xx)");
        retryDefaults(def, FailureCategory.RATE_LIMITED, 8, 2_000, 60_000, "RATE_LIMITED (429; never before Retry-After)");
        return def;
    }

    private static void retryDefaults(ConfigDef def, FailureCategory category, int attempts, long initialMs, long maxMs, String what) {
        String name = RETRY_PREFIX + RETRIED_CATEGORIES.get(category);
        def.define(name + RETRY_MAX_ATTEMPTS_SUFFIX, Type.INT, attempts, Range.between(1, 100), Importance.MEDIUM,
                        "Model calls allowed in all for a job failing with " + what + "; then it is dead-lettered.")
                .define(name + RETRY_BACKOFF_INITIAL_MS_SUFFIX, Type.LONG, initialMs, Range.atLeast(0), Importance.LOW,
                        "Delay before the first retry after " + what + ".")
                .define(name + RETRY_BACKOFF_MAX_MS_SUFFIX, Type.LONG, maxMs, Range.atLeast(0), Importance.LOW,
                        "Cap on the delay between retries after " + what + ".")
                .define(name + RETRY_BACKOFF_MULTIPLIER_SUFFIX, Type.DOUBLE, 2.0, Range.between(1.0, 100.0), Importance.LOW,
                        "Growth of the delay from one retry to the next after " + what + ".")
                .define(name + RETRY_TIER_SUFFIX, Type.STRING, RETRIED_CATEGORIES.get(category), new ConfigDef.NonEmptyString(),
                        Importance.LOW, "Retry tier of " + what + ": its retry records go to <platform prefix>retry.<tier>.");
    }

    private final java.util.function.UnaryOperator<String> environment;

    public ProcessorConfig(Map<?, ?> props) {
        this(props, System::getenv);
    }

    /** @param environment reads the environment variables that hold endpoints' API keys */
    public ProcessorConfig(Map<?, ?> props, java.util.function.UnaryOperator<String> environment) {
        super(CONFIG, props, "the processor");
        this.environment = java.util.Objects.requireNonNull(environment, "environment");
        try {
            priceTable();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(PRICING_MODELS_CONFIG, getList(PRICING_MODELS_CONFIG), e.getMessage());
        }
        failurePolicies(() -> 0.5);
        batchSettings(routingTable());
    }

    /** The keys of each endpoint and route that {@code model.endpoints} and {@code model.routes} name. */
    @Override
    protected boolean isNamedKey(String key) {
        for (String endpoint : getList(RoutingConfig.ENDPOINTS_CONFIG)) {
            String prefix = RoutingConfig.ENDPOINT_PREFIX + endpoint + ".";
            if (key.startsWith(prefix) && (RoutingConfig.endpointDef(endpoint).names().contains(key)
                    || key.startsWith(prefix + RoutingConfig.HEADER_PREFIX))) {
                return true;
            }
        }
        for (String route : getList(RoutingConfig.ROUTES_CONFIG)) {
            if (RoutingConfig.routeDef(route).names().contains(key)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The routing table: the endpoints and routes of {@code model.endpoints} and {@code model.routes}, or else one
     * endpoint named {@value RoutingConfig#DEFAULT_ENDPOINT} for {@code model.base.url}, serving every model with a fixed
     * limit of {@code max.in.flight}. API keys are read now (from the environment or files); fails naming the key.
     */
    public RoutingConfig.Table routingTable() {
        List<String> endpoints = getList(RoutingConfig.ENDPOINTS_CONFIG);
        List<String> routes = getList(RoutingConfig.ROUTES_CONFIG);
        String baseUrl = getString(MODEL_BASE_URL_CONFIG);
        if (!endpoints.isEmpty()) {
            if (baseUrl != null) {
                throw new ConfigException(MODEL_BASE_URL_CONFIG, baseUrl, "set model.base.url or model.endpoints, not both");
            }
            if (getPassword(MODEL_API_KEY_CONFIG) != null) {
                throw new ConfigException(MODEL_API_KEY_CONFIG, "[hidden]", "applies to model.base.url only; with model.endpoints,"
                        + " give each endpoint its key (model.endpoint.NAME.api.key.env or .api.key.file)");
            }
            return RoutingConfig.parse(originals(), endpoints, routes, modelTimeout(), maxInFlight(), environment);
        }
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new ConfigException(MODEL_BASE_URL_CONFIG, baseUrl, "required unless model.endpoints is set");
        }
        if (!routes.isEmpty()) {
            throw new ConfigException(RoutingConfig.ROUTES_CONFIG, routes, "routes name endpoints of model.endpoints, which is not set");
        }
        io.aijobs.model.HttpTarget target;
        try {
            target = io.aijobs.model.HttpTarget.openAi(baseUrl, modelApiKey());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(MODEL_BASE_URL_CONFIG, baseUrl, e.getMessage());
        }
        return new RoutingConfig.Table(List.of(new RoutingConfig.EndpointSettings(RoutingConfig.DEFAULT_ENDPOINT, target, modelTimeout(),
                io.aijobs.model.routing.Endpoint.Limits.fixed(maxInFlight()))),
                List.of(new RoutingConfig.RouteSettings(RoutingConfig.DEFAULT_ENDPOINT, List.of("*"), List.of(RoutingConfig.DEFAULT_ENDPOINT), null)));
    }

    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    public PriceTable priceTable() {
        return PriceTable.parse(getString(PRICING_VERSION_CONFIG), getString(PRICING_CURRENCY_CONFIG), getList(PRICING_MODELS_CONFIG));
    }

    /** The retry policies; fails naming the key when one is inconsistent (e.g. max backoff below initial). */
    public FailurePolicies failurePolicies(java.util.function.DoubleSupplier random) {
        Map<FailureCategory, RetryPolicy> policies = new java.util.EnumMap<>(FailureCategory.class);
        for (Map.Entry<FailureCategory, String> category : RETRIED_CATEGORIES.entrySet()) {
            String name = RETRY_PREFIX + category.getValue();
            String tier = getString(name + RETRY_TIER_SUFFIX);
            try {
                topicNames().retry(tier);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name + RETRY_TIER_SUFFIX, tier, e.getMessage());
            }
            try {
                policies.put(category.getKey(), new RetryPolicy(getInt(name + RETRY_MAX_ATTEMPTS_SUFFIX),
                        Duration.ofMillis(getLong(name + RETRY_BACKOFF_INITIAL_MS_SUFFIX)),
                        getDouble(name + RETRY_BACKOFF_MULTIPLIER_SUFFIX),
                        Duration.ofMillis(getLong(name + RETRY_BACKOFF_MAX_MS_SUFFIX)), tier));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name + RETRY_BACKOFF_MAX_MS_SUFFIX, getLong(name + RETRY_BACKOFF_MAX_MS_SUFFIX), e.getMessage());
            }
        }
        return new FailurePolicies(policies, getDouble(RETRY_BACKOFF_JITTER_CONFIG), random);
    }

    /** The topics of this processor: its prefixes and the retry tiers it is configured with. */
    @Override
    public io.aijobs.contracts.TopicCatalog topicCatalog() {
        return super.topicCatalog().withRetryTiers(retryTiers());
    }

    /** Every retry tier in use: each needs its topic. */
    public java.util.Set<String> retryTiers() {
        java.util.Set<String> tiers = new java.util.TreeSet<>();
        RETRIED_CATEGORIES.values().forEach(name -> tiers.add(getString(RETRY_PREFIX + name + RETRY_TIER_SUFFIX)));
        return tiers;
    }

    /** The failure-alert rules, or empty when alerts are disabled. */
    public Optional<AlertRules> alertRules() {
        if (!getBoolean(ALERTS_ENABLED_CONFIG)) {
            return Optional.empty();
        }
        return Optional.of(new AlertRules(Duration.ofMillis(getLong(ALERTS_WINDOW_MS_CONFIG)),
                new java.math.BigDecimal(getString(ALERTS_DLT_RATE_CONFIG).trim()), getInt(ALERTS_DLT_RATE_MIN_JOBS_CONFIG),
                getInt(ALERTS_DLT_CATEGORY_CONFIG), getInt(ALERTS_RETRIES_CONFIG),
                Duration.ofMillis(getLong(ALERTS_EVALUATION_INTERVAL_MS_CONFIG))));
    }

    public Duration retryPollInterval() {
        return Duration.ofMillis(getLong(RETRY_POLL_INTERVAL_MS_CONFIG));
    }

    public UnknownModelPolicy unknownModelPolicy() {
        return UnknownModelPolicy.valueOf(getString(PRICING_UNKNOWN_MODEL_POLICY_CONFIG).toUpperCase(Locale.ROOT));
    }

    /** The policy rules; {@code partitionCounts} tells how many partitions share a tenant's rate limit. */
    public io.aijobs.processor.admission.TenantPolicyEnforcer tenantPolicyEnforcer(io.aijobs.processor.admission.PartitionCounts partitionCounts) {
        return new io.aijobs.processor.admission.TenantPolicyEnforcer(getBoolean(TENANT_POLICY_REQUIRED_CONFIG),
                io.aijobs.schema.DeadLetterContent.valueOf(getString(DEAD_LETTER_CONTENT_CONFIG).toUpperCase(Locale.ROOT)), partitionCounts);
    }

    public Optional<String> modelApiKey() {
        Password key = getPassword(MODEL_API_KEY_CONFIG);
        return key == null || key.value().isEmpty() ? Optional.empty() : Optional.of(key.value());
    }

    public Duration modelTimeout() {
        return Duration.ofMillis(getLong(MODEL_TIMEOUT_MS_CONFIG));
    }

    public Duration modelConnectTimeout() {
        return Duration.ofMillis(getLong(MODEL_CONNECT_TIMEOUT_MS_CONFIG));
    }

    public int maxInFlight() {
        return getInt(MAX_IN_FLIGHT_CONFIG);
    }

    public Duration backpressureMaxBlock() {
        return Duration.ofMillis(getLong(BACKPRESSURE_MAX_BLOCK_MS_CONFIG));
    }

    public int queuedJobsPerTenant() {
        return getInt(BACKPRESSURE_QUEUED_JOBS_PER_TENANT_CONFIG);
    }

    public io.aijobs.processor.cache.ResponseCacheBounds responseCacheBounds() {
        return new io.aijobs.processor.cache.ResponseCacheBounds(getInt(RESPONSE_CACHE_MAX_ENTRIES_CONFIG), getLong(RESPONSE_CACHE_MAX_BYTES_CONFIG));
    }

    /**
     * The batch lane's settings; fails naming {@value #BATCH_ENDPOINTS_CONFIG} when it names an endpoint the routing
     * table does not have.
     */
    public io.aijobs.processor.execution.BatchRouting.Settings batchSettings(RoutingConfig.Table table) {
        List<String> names = getList(BATCH_ENDPOINTS_CONFIG);
        List<RoutingConfig.EndpointSettings> endpoints = new java.util.ArrayList<>();
        for (String name : names) {
            endpoints.add(table.endpoints().stream().filter(endpoint -> endpoint.name().equals(name)).findFirst()
                    .orElseThrow(() -> new ConfigException(BATCH_ENDPOINTS_CONFIG, names, "endpoint " + name + " is not configured ("
                            + (getList(RoutingConfig.ENDPOINTS_CONFIG).isEmpty() ? "only " + RoutingConfig.DEFAULT_ENDPOINT + " is, for model.base.url"
                            : "model.endpoints has " + getList(RoutingConfig.ENDPOINTS_CONFIG)) + ")")));
            io.aijobs.model.HttpTarget target = endpoints.get(endpoints.size() - 1).target();
            if (!target.keyHeader().equalsIgnoreCase("Authorization") || !target.keyScheme().equals("Bearer")
                    || target.baseUrl().contains(io.aijobs.model.HttpTarget.MODEL_PLACEHOLDER)) {
                throw new ConfigException(BATCH_ENDPOINTS_CONFIG, names, "endpoint " + name + " is not called as OpenAI is (key as "
                        + "Authorization: Bearer, no {model} in the base URL), which its batch interface needs");
            }
        }
        Object commit = streamsProperties().get(org.apache.kafka.streams.StreamsConfig.COMMIT_INTERVAL_MS_CONFIG);
        // exactly_once_v2's default commit interval
        Duration commitInterval = Duration.ofMillis(commit == null ? 100 : Long.parseLong(commit.toString().trim()));
        return new io.aijobs.processor.execution.BatchRouting.Settings(endpoints, getInt(BATCH_MAX_JOBS_CONFIG),
                getLong(BATCH_MAX_BYTES_CONFIG), Duration.ofMillis(getLong(BATCH_MAX_WAIT_MS_CONFIG)),
                Duration.ofMillis(getLong(BATCH_POLL_INTERVAL_MS_CONFIG)), commitInterval);
    }

    public Duration completionPollInterval() {
        return Duration.ofMillis(getLong(COMPLETION_POLL_INTERVAL_MS_CONFIG));
    }

    public Duration dedupHorizon() {
        return Duration.ofMillis(getLong(DEDUP_HORIZON_MS_CONFIG));
    }

    public Duration dedupCleanupInterval() {
        return Duration.ofMillis(getLong(DEDUP_CLEANUP_INTERVAL_MS_CONFIG));
    }

    public int maxInputBytes() {
        return getInt(MAX_INPUT_BYTES_CONFIG);
    }

    /**
     * The Kafka Streams properties (see {@link StreamsAppConfig#streamsProperties(Map)}), with tenant discovery and
     * the processor's recovery settings ({@link #STANDBY_REPLICAS}, {@link #ACCEPTABLE_RECOVERY_LAG},
     * {@link #MAX_POLL_RECORDS}) and its intake settings between tenants ({@link #MAX_PARTITION_FETCH_BYTES},
     * {@link #BUFFERED_RECORDS_PER_PARTITION}, {@link #POLL_MS}, {@link #MAX_TASK_IDLE_MS}).
     */
    public Properties streamsProperties() {
        return streamsProperties(Map.<String, Object>of(
                // a new tenant's jobs topic is seen by the pattern subscription at the next metadata refresh
                StreamsConfig.consumerPrefix("metadata.max.age.ms"), getLong(TENANT_DISCOVERY_INTERVAL_MS_CONFIG).intValue(),
                StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, STANDBY_REPLICAS,
                StreamsConfig.ACCEPTABLE_RECOVERY_LAG_CONFIG, ACCEPTABLE_RECOVERY_LAG,
                StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), MAX_POLL_RECORDS,
                StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), MAX_PARTITION_FETCH_BYTES,
                StreamsConfig.BUFFERED_RECORDS_PER_PARTITION_CONFIG, BUFFERED_RECORDS_PER_PARTITION,
                StreamsConfig.POLL_MS_CONFIG, POLL_MS,
                StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, MAX_TASK_IDLE_MS));
    }
}
