package io.aijobs.contracts;

import io.aijobs.schema.Alert;
import io.aijobs.schema.JobEvent;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.JobRetry;
import io.aijobs.schema.ModelCallUsage;
import io.aijobs.schema.ModelPrice;
import io.aijobs.schema.ResponseCacheEntry;
import io.aijobs.schema.TenantPolicy;
import io.aijobs.schema.TenantSpend;
import io.aijobs.schema.UsageAggregate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.avro.Schema;
import io.aijobs.contracts.TopicNames.TenantTopic;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The one definition of the platform's topics: for each, its name (per tenant or for the platform, from
 * {@link TopicNames}), the schema of its values, whether it is compacted, its partitions and replication, and which
 * party writes and reads it. Provisioning, ACLs, schema registration, the dev stack, the CLI, the benchmarks and the
 * tests derive their topic lists from here; a build check ({@code TopicLiteralCheckTest}) refuses a topic name written
 * anywhere else in main code.
 *
 * <p>Built from configuration: the prefixes, the retry tiers in use ({@code retry.<category>.tier} of the processor)
 * and the partition and replication defaults. Immutable.
 */
public final class TopicCatalog {

    /** The default retry tiers, one per retried failure category: {@code platform.retry.transient}, ... */
    public static final List<String> DEFAULT_RETRY_TIERS = List.of("transient", "rate-limited");
    /** {@link #DEFAULT_RETRY_TIERS} as one comma-separated constant, for option defaults that must be constants. */
    public static final String DEFAULT_RETRY_TIERS_VALUE = "transient,rate-limited";
    public static final int DEFAULT_PARTITIONS = 3;
    /** The cluster's own {@code default.replication.factor}: 1 on a one-broker stack, 3 on a three-broker one. */
    public static final short BROKER_DEFAULT_REPLICATION_FACTOR = -1;
    public static final short DEFAULT_REPLICATION_FACTOR = BROKER_DEFAULT_REPLICATION_FACTOR;
    /** Retention of the response cache topic as created: 7 days, the longest TTL a tenant policy may give its cache. */
    public static final long RESPONSE_CACHE_RETENTION_MS = 7L * 24 * 60 * 60 * 1000;

    /** Who writes or reads a topic. */
    public enum Party {
        /** A tenant's own principal (its upstream systems and consumers). */
        TENANT,
        /** The job processor. */
        PROCESSOR,
        /** The cost aggregator. */
        COST_AGGREGATOR,
        /** Operator tools: provisioning, {@code ./aijobs prices load}, {@code ./aijobs dlt replay}. */
        OPERATOR
    }

    /** Every kind of topic, with what holds for every topic of that kind. */
    public enum Kind {
        JOBS(TenantTopic.JOBS, JobRequest.getClassSchema(), false, parties(Party.TENANT, Party.OPERATOR), parties(Party.PROCESSOR)),
        RESULTS(TenantTopic.RESULTS, JobResult.getClassSchema(), false, parties(Party.PROCESSOR), parties(Party.TENANT)),
        /** Read back by the processor's failure alerts. */
        DEAD_LETTERS(TenantTopic.DLT, JobFailure.getClassSchema(), false, parties(Party.PROCESSOR), parties(Party.TENANT, Party.PROCESSOR, Party.OPERATOR)),
        TENANT_ALERTS(TenantTopic.ALERTS, Alert.getClassSchema(), false, parties(Party.PROCESSOR, Party.COST_AGGREGATOR), parties(Party.TENANT)),
        USAGE(null, ModelCallUsage.getClassSchema(), false, parties(Party.PROCESSOR), parties(Party.COST_AGGREGATOR)),
        /** Read back by the processor's failure alerts. */
        JOB_EVENTS(null, JobEvent.getClassSchema(), false, parties(Party.PROCESSOR), parties(Party.PROCESSOR)),
        ALERTS(null, Alert.getClassSchema(), false, parties(Party.PROCESSOR, Party.COST_AGGREGATOR), parties(Party.OPERATOR)),
        /** Read back by the processor's failure alerts. */
        PLATFORM_DEAD_LETTERS(null, JobFailure.getClassSchema(), false, parties(Party.PROCESSOR), parties(Party.PROCESSOR, Party.OPERATOR)),
        PRICES(null, ModelPrice.getClassSchema(), true, parties(Party.OPERATOR), parties(Party.PROCESSOR, Party.COST_AGGREGATOR)),
        USAGE_AGGREGATES(null, UsageAggregate.getClassSchema(), true, parties(Party.COST_AGGREGATOR), parties(Party.OPERATOR)),
        TENANT_SPEND(null, TenantSpend.getClassSchema(), true, parties(Party.COST_AGGREGATOR), parties(Party.PROCESSOR)),
        TENANT_POLICIES(null, TenantPolicy.getClassSchema(), true, parties(Party.OPERATOR), parties(Party.PROCESSOR, Party.COST_AGGREGATOR)),
        /** The tenants' response caches: answers of every tenant, so the processor's alone. */
        RESPONSE_CACHE(null, ResponseCacheEntry.getClassSchema(), true, parties(Party.PROCESSOR), parties(Party.PROCESSOR)),
        /** One topic per retry tier: a log of the retries scheduled, written by the processor. */
        RETRY(null, JobRetry.getClassSchema(), false, parties(Party.PROCESSOR), parties());

        /** The tenant topic this kind is, or null for a platform topic. */
        private final TenantTopic tenantTopic;
        private final Schema valueSchema;
        private final boolean compacted;
        private final Set<Party> writers;
        private final Set<Party> readers;

        Kind(TenantTopic tenantTopic, Schema valueSchema, boolean compacted, Set<Party> writers, Set<Party> readers) {
            this.tenantTopic = tenantTopic;
            this.valueSchema = valueSchema;
            this.compacted = compacted;
            this.writers = writers;
            this.readers = readers;
        }

        public boolean perTenant() {
            return tenantTopic != null;
        }

        public Schema valueSchema() {
            return valueSchema;
        }

        /** Latest value per key is the contract: compacted, never deleted by age. */
        public boolean compacted() {
            return compacted;
        }

        public Set<Party> writers() {
            return writers;
        }

        public Set<Party> readers() {
            return readers;
        }
    }

    private static Set<Party> parties(Party... parties) {
        return parties.length == 0 ? Collections.unmodifiableSet(EnumSet.noneOf(Party.class))
                : Collections.unmodifiableSet(EnumSet.of(parties[0], parties));
    }

    /**
     * One topic.
     *
     * @param tenant the tenant a per-tenant topic belongs to, else null
     */
    public record Spec(String name, Kind kind, TenantId tenant, int partitions, short replicationFactor) {

        public Spec {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(kind, "kind");
        }

        public Schema valueSchema() {
            return kind.valueSchema();
        }

        /** The TopicNameStrategy subject of its values: {@code <topic>-value}. */
        public String valueSubject() {
            return name + "-value";
        }

        public boolean writtenBy(Party party) {
            return kind.writers().contains(party);
        }

        public boolean readBy(Party party) {
            return kind.readers().contains(party);
        }

        /**
         * Topic configs that are part of the contract: {@code cleanup.policy=compact} for compacted kinds; the response
         * cache is also deleted by age, after {@link #RESPONSE_CACHE_RETENTION_MS} (the longest a cached answer lives).
         */
        public Map<String, String> configs() {
            if (kind == Kind.RESPONSE_CACHE) {
                return Map.of("cleanup.policy", "compact,delete", "retention.ms", Long.toString(RESPONSE_CACHE_RETENTION_MS));
            }
            return kind.compacted() ? Map.of("cleanup.policy", "compact") : Map.of();
        }

        /**
         * The topic to create, with {@code extraConfigs} (e.g. a tenant's retention) over the contract's; with the
         * broker's default replication factor when the catalog's is {@link #BROKER_DEFAULT_REPLICATION_FACTOR}.
         */
        public NewTopic newTopic(Map<String, String> extraConfigs) {
            Map<String, String> configs = new LinkedHashMap<>(configs());
            configs.putAll(extraConfigs);
            return new NewTopic(name, java.util.Optional.of(partitions), replicationFactor == BROKER_DEFAULT_REPLICATION_FACTOR
                    ? java.util.Optional.empty() : java.util.Optional.of(replicationFactor)).configs(configs);
        }
    }

    private final TopicNames names;
    private final SortedSet<String> retryTiers;
    private final int partitions;
    private final short replicationFactor;

    public TopicCatalog(TopicNames names, Collection<String> retryTiers, int partitions, short replicationFactor) {
        this.names = Objects.requireNonNull(names, "names");
        this.retryTiers = Collections.unmodifiableSortedSet(new TreeSet<>(retryTiers));
        if (this.retryTiers.isEmpty()) {
            throw new IllegalArgumentException("at least one retry tier is needed");
        }
        this.retryTiers.forEach(names::retry);
        if (partitions < 1 || (replicationFactor < 1 && replicationFactor != BROKER_DEFAULT_REPLICATION_FACTOR)) {
            throw new IllegalArgumentException("partitions must be positive, and the replication factor positive or the broker's default (-1)");
        }
        this.partitions = partitions;
        this.replicationFactor = replicationFactor;
    }

    /** Default names and retry tiers, {@value #DEFAULT_PARTITIONS} partitions, the broker's default replication factor. */
    public static TopicCatalog defaults() {
        return of(TopicNames.defaults());
    }

    /** {@code names} with the default retry tiers, partitions and replication. */
    public static TopicCatalog of(TopicNames names) {
        return new TopicCatalog(names, DEFAULT_RETRY_TIERS, DEFAULT_PARTITIONS, DEFAULT_REPLICATION_FACTOR);
    }

    public TopicNames names() {
        return names;
    }

    public SortedSet<String> retryTiers() {
        return retryTiers;
    }

    /** The same catalog with other retry tiers. */
    public TopicCatalog withRetryTiers(Collection<String> tiers) {
        return new TopicCatalog(names, tiers, partitions, replicationFactor);
    }

    /** The topics of one tenant, in {@link Kind} order. */
    public List<Spec> tenantTopics(TenantId tenant) {
        Objects.requireNonNull(tenant, "tenant");
        List<Spec> topics = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            if (kind.perTenant()) {
                topics.add(new Spec(names.tenantTopic(tenant, kind.tenantTopic), kind, tenant, partitions, replicationFactor));
            }
        }
        return topics;
    }

    /** The platform's topics, one per retry tier included, in {@link Kind} order. */
    public List<Spec> platformTopics() {
        List<Spec> topics = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            if (kind == Kind.RETRY) {
                retryTiers.forEach(tier -> topics.add(new Spec(names.retry(tier), kind, null, partitions, replicationFactor)));
            } else if (!kind.perTenant()) {
                topics.add(new Spec(platformTopicName(kind), kind, null, partitions, replicationFactor));
            }
        }
        return topics;
    }

    /** The topics of each given tenant, then the platform's. */
    public List<Spec> topics(Collection<TenantId> tenants) {
        List<Spec> topics = new ArrayList<>();
        tenants.forEach(tenant -> topics.addAll(tenantTopics(tenant)));
        topics.addAll(platformTopics());
        return topics;
    }

    /** The platform topic of {@code kind} (not {@link Kind#RETRY}, which has one per tier). */
    public Spec platformTopic(Kind kind) {
        if (kind.perTenant() || kind == Kind.RETRY) {
            throw new IllegalArgumentException(kind + " is not a single platform topic");
        }
        return new Spec(platformTopicName(kind), kind, null, partitions, replicationFactor);
    }

    /** The value schema of every topic of the given tenants and of the platform, by topic name. */
    public Map<String, Schema> valueSchemasByTopic(Collection<TenantId> tenants) {
        Map<String, Schema> schemas = new LinkedHashMap<>();
        topics(tenants).forEach(spec -> schemas.put(spec.name(), spec.valueSchema()));
        return schemas;
    }

    private String platformTopicName(Kind kind) {
        return switch (kind) {
            case USAGE -> names.usage();
            case JOB_EVENTS -> names.jobEvents();
            case ALERTS -> names.alerts();
            case PLATFORM_DEAD_LETTERS -> names.platformDeadLetter();
            case PRICES -> names.prices();
            case USAGE_AGGREGATES -> names.usageAggregates();
            case TENANT_SPEND -> names.tenantSpend();
            case TENANT_POLICIES -> names.tenantPolicies();
            case RESPONSE_CACHE -> names.responseCache();
            default -> throw new IllegalArgumentException(kind + " is not a single platform topic");
        };
    }
}
