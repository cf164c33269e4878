package io.aijobs.contracts;

import io.aijobs.schema.Alert;
import io.aijobs.schema.JobEvent;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.JobRetry;
import io.aijobs.schema.ModelPrice;
import io.aijobs.schema.ResponseCacheEntry;
import io.aijobs.schema.TenantPolicy;
import io.aijobs.schema.TenantSpend;
import io.aijobs.schema.UsageAggregate;
import io.aijobs.schema.ModelCallUsage;
import io.aijobs.serde.AvroSerde;
import io.aijobs.serde.AvroSerdeConfig;
import io.aijobs.serde.SchemaRegistryClient;
import java.util.List;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The typed registry of topics: each topic of the {@link TopicCatalog} bound to the serdes of its key and value. Built
 * once from configuration (the catalog, the registry client, the serde settings) and passed to whatever reads or
 * writes; holds no global state. A {@link Topic} (or, for a kind of per-tenant topic, {@link TenantTopics}) is the
 * only way code pairs a topic with its serdes.
 *
 * <p>Keys are UTF-8 strings (jobId, tenantId or alertKey, as each method says); values are the Avro contracts in
 * Confluent's wire format. The serdes share {@code registry}, which the caller closes.
 */
public final class Topics {

    private final TopicCatalog catalog;
    private final TopicNames names;
    private final Serde<String> keys = Serdes.String();
    private final AvroSerde<JobRequest> jobRequests;
    private final AvroSerde<JobResult> jobResults;
    private final AvroSerde<JobFailure> jobFailures;
    private final AvroSerde<ModelCallUsage> usages;
    private final AvroSerde<JobEvent> events;
    private final AvroSerde<Alert> alerts;
    private final AvroSerde<JobRetry> retries;
    private final AvroSerde<ModelPrice> prices;
    private final AvroSerde<UsageAggregate> aggregates;
    private final AvroSerde<TenantSpend> spend;
    private final AvroSerde<TenantPolicy> policies;
    private final AvroSerde<ResponseCacheEntry> cacheEntries;

    public Topics(TopicCatalog catalog, SchemaRegistryClient registry, AvroSerdeConfig serdeConfig) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.names = catalog.names();
        this.jobRequests = AvroSerde.of(JobRequest.class, registry, serdeConfig);
        this.jobResults = AvroSerde.of(JobResult.class, registry, serdeConfig);
        this.jobFailures = AvroSerde.of(JobFailure.class, registry, serdeConfig);
        this.usages = AvroSerde.of(ModelCallUsage.class, registry, serdeConfig);
        this.events = AvroSerde.of(JobEvent.class, registry, serdeConfig);
        this.alerts = AvroSerde.of(Alert.class, registry, serdeConfig);
        this.retries = AvroSerde.of(JobRetry.class, registry, serdeConfig);
        this.prices = AvroSerde.of(ModelPrice.class, registry, serdeConfig);
        this.aggregates = AvroSerde.of(UsageAggregate.class, registry, serdeConfig);
        this.spend = AvroSerde.of(TenantSpend.class, registry, serdeConfig);
        this.policies = AvroSerde.of(TenantPolicy.class, registry, serdeConfig);
        this.cacheEntries = AvroSerde.of(ResponseCacheEntry.class, registry, serdeConfig);
    }

    public TopicCatalog catalog() {
        return catalog;
    }

    public TopicNames names() {
        return names;
    }

    /** Every tenant's {@code tenant.<id>.jobs}, key jobId. */
    public TenantTopics<String, JobRequest> jobsOfTenants() {
        return new TenantTopics<>(TopicNames.TenantTopic.JOBS, names, keys, jobRequests);
    }

    /** Every tenant's {@code tenant.<id>.results}, key jobId. */
    public TenantTopics<String, JobResult> resultsOfTenants() {
        return new TenantTopics<>(TopicNames.TenantTopic.RESULTS, names, keys, jobResults);
    }

    /** Every tenant's {@code tenant.<id>.dlt}, key jobId (null when unknown). */
    public TenantTopics<String, JobFailure> deadLettersOfTenants() {
        return new TenantTopics<>(TopicNames.TenantTopic.DLT, names, keys, jobFailures);
    }

    /** Every tenant's {@code tenant.<id>.alerts}, key alertKey. */
    public TenantTopics<String, Alert> alertsOfTenants() {
        return new TenantTopics<>(TopicNames.TenantTopic.ALERTS, names, keys, alerts);
    }

    /** {@code tenant.<id>.jobs}, key jobId. */
    public Topic<String, JobRequest> jobs(TenantId tenant) {
        return jobsOfTenants().of(tenant);
    }

    /** {@code tenant.<id>.results}, key jobId. */
    public Topic<String, JobResult> results(TenantId tenant) {
        return resultsOfTenants().of(tenant);
    }

    /** {@code tenant.<id>.dlt}, key jobId (null when unknown). */
    public Topic<String, JobFailure> deadLetter(TenantId tenant) {
        return deadLettersOfTenants().of(tenant);
    }

    /** {@code tenant.<id>.alerts}, key alertKey. */
    public Topic<String, Alert> tenantAlerts(TenantId tenant) {
        return alertsOfTenants().of(tenant);
    }

    /** {@code platform.dlt}, key jobId or null. */
    public Topic<String, JobFailure> platformDeadLetter() {
        return new Topic<>(names.platformDeadLetter(), keys, jobFailures);
    }

    /** {@code platform.usage}, key tenantId. */
    public Topic<String, ModelCallUsage> usage() {
        return new Topic<>(names.usage(), keys, usages);
    }

    /** {@code platform.job-events}, key jobId. */
    public Topic<String, JobEvent> jobEvents() {
        return new Topic<>(names.jobEvents(), keys, events);
    }

    /** {@code platform.alerts}, key alertKey. */
    public Topic<String, Alert> alerts() {
        return new Topic<>(names.alerts(), keys, alerts);
    }

    /** {@code platform.prices}, key {@code <model>@<effectiveFrom>}. */
    public Topic<String, ModelPrice> prices() {
        return new Topic<>(names.prices(), keys, prices);
    }

    /** {@code platform.response-cache}, key {@code <tenantId>/<requestHash>}. */
    public Topic<String, ResponseCacheEntry> responseCache() {
        return new Topic<>(names.responseCache(), keys, cacheEntries);
    }

    /** {@code platform.usage-aggregates}, key aggregateKey. */
    public Topic<String, UsageAggregate> usageAggregates() {
        return new Topic<>(names.usageAggregates(), keys, aggregates);
    }

    /** {@code platform.tenant-spend}, key tenantId. */
    public Topic<String, TenantSpend> tenantSpend() {
        return new Topic<>(names.tenantSpend(), keys, spend);
    }

    /** {@code platform.tenant-policies}, key tenantId. */
    public Topic<String, TenantPolicy> tenantPolicies() {
        return new Topic<>(names.tenantPolicies(), keys, policies);
    }

    /** {@code platform.retry.<tier>}, key jobId: one of the catalog's retry tiers. */
    public Topic<String, JobRetry> retry(String tier) {
        return retryTiers().of(tier);
    }

    /** Every retry tier's topic, {@code platform.retry.<tier>}: for a writer that picks the tier per record. */
    public RetryTopics retryTiers() {
        return new RetryTopics(catalog, keys, retries);
    }

    /** The retry tiers' topics, one per tier of {@code catalog}, with the serdes they share; key jobId. */
    public record RetryTopics(TopicCatalog catalog, Serde<String> keySerde, Serde<JobRetry> valueSerde) {

        public String name(String tier) {
            return catalog.names().retry(tier);
        }

        /** One tier's topic; refuses a tier the catalog does not have. */
        public Topic<String, JobRetry> of(String tier) {
            if (!catalog.retryTiers().contains(tier)) {
                throw new IllegalArgumentException("'" + tier + "' is not a retry tier of this deployment; its tiers are "
                        + catalog.retryTiers());
            }
            return new Topic<>(name(tier), keySerde, valueSerde);
        }
    }

    /** Every top-level contract schema: the value schema of each kind of topic of the catalog, once. */
    public static List<Schema> contractSchemas() {
        return java.util.Arrays.stream(TopicCatalog.Kind.values()).map(TopicCatalog.Kind::valueSchema).distinct().toList();
    }
}
