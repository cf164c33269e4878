package io.aijobs.tenancy;

import io.aijobs.contracts.TenantId;
import io.aijobs.schema.DeadLetterContent;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a tenant is given: the contents of its policy record and of its broker quotas.
 *
 * @param tenant            the tenant
 * @param allowedModels     models its jobs may name; empty: any
 * @param budgetNanos       monthly budget in nano-units of {@code currency}, or null (the aggregator's config decides)
 * @param currency          ISO 4217
 * @param rateLimitPerSecond jobs per second the processor admits, or null
 * @param maxInputBytes     largest input the processor accepts, or null
 * @param retention         retention of the tenant's topics
 * @param deadLetterContent FULL or HASH
 * @param producerByteRate  broker quota, bytes/s the tenant may produce, or null
 * @param consumerByteRate  broker quota, bytes/s the tenant may fetch, or null
 * @param weight            its share of call slots when tenants compete for them (positive; 1 by default)
 * @param maxConcurrentCalls most of its calls open at once in one processor instance, or null
 * @param responseCache     its response cache, {@link ResponseCache#NONE} for none
 * @param batchJobs         whether all its jobs go through the provider's batch interface where the processor has one
 *                          (policy {@code batchJobs}); false: only its jobs of priority BATCH do
 */
public record TenantSpec(TenantId tenant, List<String> allowedModels, Long budgetNanos, String currency, Double rateLimitPerSecond,
                         Long maxInputBytes, Duration retention, DeadLetterContent deadLetterContent, Long producerByteRate,
                         Long consumerByteRate, double weight, Integer maxConcurrentCalls, ResponseCache responseCache,
                         boolean batchJobs) {

    /** A tenant whose jobs go through batches only when their priority is BATCH. */
    public TenantSpec(TenantId tenant, List<String> allowedModels, Long budgetNanos, String currency, Double rateLimitPerSecond,
                      Long maxInputBytes, Duration retention, DeadLetterContent deadLetterContent, Long producerByteRate,
                      Long consumerByteRate, double weight, Integer maxConcurrentCalls, ResponseCache responseCache) {
        this(tenant, allowedModels, budgetNanos, currency, rateLimitPerSecond, maxInputBytes, retention, deadLetterContent,
                producerByteRate, consumerByteRate, weight, maxConcurrentCalls, responseCache, false);
    }

    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);
    public static final double DEFAULT_WEIGHT = 1.0;

    /**
     * A tenant's response cache: jobs that ask exactly what an earlier job of the tenant asked within {@code ttl} get its
     * answer, with no call; {@code anyTemperature}: jobs with a temperature other than 0 too.
     *
     * @param ttl how long an answer is served again; null for no response cache; positive, and at most the response
     *            cache topic's retention ({@link io.aijobs.contracts.TopicCatalog#RESPONSE_CACHE_RETENTION_MS})
     */
    public record ResponseCache(Duration ttl, boolean anyTemperature) {

        public static final ResponseCache NONE = new ResponseCache(null, false);

        public ResponseCache {
            if (ttl != null && ttl.toMillis() <= 0) {
                throw new IllegalArgumentException("responseCacheTtlMs must be positive, got " + ttl.toMillis()
                        + " (leave the TTL out for no response cache)");
            }
            long most = io.aijobs.contracts.TopicCatalog.RESPONSE_CACHE_RETENTION_MS;
            if (ttl != null && ttl.toMillis() > most) {
                throw new IllegalArgumentException("responseCacheTtlMs must be at most " + most + " (" + Duration.ofMillis(most)
                        + ", the retention of the response cache topic), got " + ttl.toMillis());
            }
        }
    }

    public TenantSpec {
        Objects.requireNonNull(tenant, "tenant");
        allowedModels = List.copyOf(allowedModels == null ? List.of() : allowedModels);
        currency = currency == null ? "USD" : currency;
        retention = retention == null ? DEFAULT_RETENTION : retention;
        deadLetterContent = deadLetterContent == null ? DeadLetterContent.FULL : deadLetterContent;
        responseCache = responseCache == null ? ResponseCache.NONE : responseCache;
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("retention must be positive, got " + retention);
        }
        if (rateLimitPerSecond != null && !(rateLimitPerSecond > 0)) {
            throw new IllegalArgumentException("the rate limit must be positive, got " + rateLimitPerSecond);
        }
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("the weight must be positive and finite, got " + weight);
        }
        if (maxConcurrentCalls != null && maxConcurrentCalls < 1) {
            throw new IllegalArgumentException("the cap on concurrent calls must be at least 1, got " + maxConcurrentCalls);
        }
        if (budgetNanos != null && budgetNanos < 0) {
            throw new IllegalArgumentException("the budget must not be negative, got " + budgetNanos);
        }
        for (Long rate : new Long[] {maxInputBytes, producerByteRate, consumerByteRate}) {
            if (rate != null && rate <= 0) {
                throw new IllegalArgumentException("sizes and byte rates must be positive, got " + rate);
            }
        }
    }

    /** A tenant with no limits beyond the defaults: any model, no budget, 7 days of retention, full dead letters. */
    public static TenantSpec of(TenantId tenant) {
        return new TenantSpec(tenant, List.of(), null, "USD", null, null, DEFAULT_RETENTION, DeadLetterContent.FULL, null, null,
                DEFAULT_WEIGHT, null, ResponseCache.NONE);
    }

    public TenantSpec withQuotas(Long producerByteRate, Long consumerByteRate) {
        return new TenantSpec(tenant, allowedModels, budgetNanos, currency, rateLimitPerSecond, maxInputBytes, retention,
                deadLetterContent, producerByteRate, consumerByteRate, weight, maxConcurrentCalls, responseCache, batchJobs);
    }

    /** The same tenant with this share of call slots and this cap on its concurrent calls (null: none). */
    public TenantSpec withScheduling(double weight, Integer maxConcurrentCalls) {
        return new TenantSpec(tenant, allowedModels, budgetNanos, currency, rateLimitPerSecond, maxInputBytes, retention,
                deadLetterContent, producerByteRate, consumerByteRate, weight, maxConcurrentCalls, responseCache, batchJobs);
    }

    /** The same tenant with this response cache. */
    public TenantSpec withResponseCache(ResponseCache cache) {
        return new TenantSpec(tenant, allowedModels, budgetNanos, currency, rateLimitPerSecond, maxInputBytes, retention,
                deadLetterContent, producerByteRate, consumerByteRate, weight, maxConcurrentCalls, cache, batchJobs);
    }

    /** The same tenant, with all its jobs going through batches ({@code true}) or only those of priority BATCH. */
    public TenantSpec withBatchJobs(boolean all) {
        return new TenantSpec(tenant, allowedModels, budgetNanos, currency, rateLimitPerSecond, maxInputBytes, retention,
                deadLetterContent, producerByteRate, consumerByteRate, weight, maxConcurrentCalls, responseCache, all);
    }
}
