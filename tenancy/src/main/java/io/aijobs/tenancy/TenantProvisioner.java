package io.aijobs.tenancy;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.Topic;
import io.aijobs.contracts.TopicCatalog;
import io.aijobs.contracts.TopicNames;
import io.aijobs.contracts.Topics;
import io.aijobs.schema.TenantPolicy;
import io.aijobs.serde.SchemaRegistryClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Gives a tenant everything it needs through the Admin API, and takes it away again:
 *
 * <ul>
 *   <li>its topics ({@code tenant.<t>.jobs|results|dlt|alerts}) with the retention of its policy;
 *   <li>the value schema of each of those topics, registered under its subject {@code <topic>-value}, so that a
 *       publisher with auto-registration off (Confluent's serializer with {@code use.latest.version}, say) can write at once;
 *   <li>a SCRAM-SHA-512 principal {@code User:tenant-<t>} (its password is generated once and returned once);
 *   <li>ACLs for that principal on its own resources only: WRITE on its jobs topic (never on its results: nobody but the
 *       processor writes a result), READ on every topic, consumer group and transactional id under its prefix
 *       {@code tenant.<t>.}, which ends with the separator so that tenant {@code a} never matches {@code tenant.ab.*};
 *   <li>the applications' per-tenant ACLs: the processor reads its jobs and dead letters and writes its results, dead
 *       letters and alerts; the cost aggregator writes its alerts (see {@link ApplicationAccess} for the rest);
 *   <li>client quotas for its principal (bytes produced and fetched per second);
 *   <li>its {@link TenantPolicy} record on the compacted {@code platform.tenant-policies} topic, which the processor and
 *       the cost aggregator follow.
 * </ul>
 *
 * Every step is idempotent: creating a tenant twice changes nothing but what the second spec changes (its password is
 * kept). {@link #delete} removes all of it, data included (registered subjects stay: the registry client has no delete).
 *
 * <p>On a broker without an authorizer (the default, plaintext local stack) there is nothing to isolate with: {@link
 * #create} then makes the topics, the subjects and the policy record only, and says so in {@link Provisioned#isolated()}.
 */
public final class TenantProvisioner {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int SCRAM_ITERATIONS = 8192;
    static final String NO_AUTHORIZER = "The broker has no authorizer (a stack without security)";

    private final Admin admin;
    private final Map<String, Object> clientConfig;
    private final TopicCatalog catalog;
    private final TopicNames names;
    private final Topic<String, TenantPolicy> policies;
    private final SchemaRegistryClient registry;
    private final ApplicationAccess.Principals applications;
    private final Clock clock;

    /**
     * @param admin            an admin client of a principal allowed to manage topics, ACLs, SCRAM credentials and quotas
     * @param clientConfig     bootstrap servers and security of that principal, for the producer of the policy record
     * @param topics           the deployment's topics (its catalog, and the policies topic with its serdes)
     * @param registry         the schema registry, where the tenant's topics' value subjects are registered
     * @param applications     the applications' principals, which get their per-tenant ACLs here
     */
    public TenantProvisioner(Admin admin, Map<String, Object> clientConfig, Topics topics, SchemaRegistryClient registry,
                             ApplicationAccess.Principals applications, Clock clock) {
        this.admin = Objects.requireNonNull(admin, "admin");
        this.clientConfig = Map.copyOf(clientConfig);
        this.catalog = topics.catalog();
        this.names = catalog.names();
        this.policies = topics.tenantPolicies();
        this.registry = Objects.requireNonNull(registry, "registry");
        this.applications = Objects.requireNonNull(applications, "applications");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The SCRAM user name of a tenant's principal. */
    public static String principalName(TenantId tenant) {
        return "tenant-" + tenant.value();
    }

    /**
     * What {@link #create} did.
     *
     * @param principal   the tenant's user name
     * @param newPassword the password, when the principal was created now (shown once, kept nowhere)
     * @param topics      the tenant's topics
     * @param subjects    the value subjects registered for those topics, with their schema ids
     * @param policy      the policy record written
     * @param isolated    whether the broker enforces ACLs, so that the principal, its ACLs and quotas were made; false on
     *                    a broker without an authorizer, where none of them were
     */
    public record Provisioned(String principal, Optional<String> newPassword, List<String> topics, Map<String, Integer> subjects,
                              TenantPolicy policy, boolean isolated) {

        @Override
        public String toString() {
            return "Provisioned[principal=" + principal + ", newPassword=" + (newPassword.isPresent() ? "(generated)" : "(kept)")
                    + ", topics=" + topics + "]";
        }
    }

    public Provisioned create(TenantSpec spec) throws InterruptedException, ExecutionException, TimeoutException {
        TenantId tenant = spec.tenant();
        TenantPolicy policy = policy(spec);
        // serialized first: a registry that is down fails the create before anything exists
        byte[] policyBytes = policies.serializeValue(policy);
        List<String> topics = tenantTopics(tenant);
        ensureTopics(tenant, spec.retention());
        Map<String, Integer> subjects = registerSubjects(tenant);
        String principal = principalName(tenant);
        boolean isolated = authorizerEnabled();
        if (isolated) {
            admin.createAcls(tenantAcls(tenant)).all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            setQuotas(principal, spec.producerByteRate(), spec.consumerByteRate());
        }
        writePolicy(tenant, policyBytes);
        // the principal last: its one-time password is returned only once everything else is in place
        Optional<String> password = isolated ? Scram.ensureUser(admin, principal, SCRAM_ITERATIONS, TIMEOUT) : Optional.empty();
        return new Provisioned(principal, password, topics, subjects, policy, isolated);
    }

    /** Registers the value schema of each of the tenant's topics under {@code <topic>-value}; subject to schema id. */
    private Map<String, Integer> registerSubjects(TenantId tenant) {
        Map<String, Integer> ids = new java.util.LinkedHashMap<>();
        for (TopicCatalog.Spec topic : catalog.tenantTopics(tenant)) {
            ids.put(topic.valueSubject(), registry.register(topic.valueSubject(), topic.valueSchema()));
        }
        return ids;
    }

    /** Whether the broker has an authorizer: without one, describing ACLs fails with {@link SecurityDisabledException}. */
    private boolean authorizerEnabled() throws InterruptedException, ExecutionException, TimeoutException {
        try {
            admin.describeAcls(new AclBindingFilter(new ResourcePatternFilter(ResourceType.TOPIC, names.tenantPolicies(),
                    PatternType.LITERAL), AccessControlEntryFilter.ANY)).values().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SecurityDisabledException) {
                return false;
            }
            throw e;
        }
    }

    /** Gives the tenant's principal a new random password (rotation, or a demo that lost it) and returns it. */
    public String resetPassword(TenantId tenant) throws InterruptedException, ExecutionException, TimeoutException {
        if (!authorizerEnabled()) {
            throw new IllegalStateException(NO_AUTHORIZER + ": tenants have no principal to give a password to");
        }
        if (!Scram.exists(admin, principalName(tenant), TIMEOUT)) {
            throw new IllegalStateException("Tenant " + tenant + " has no principal: create the tenant first");
        }
        String password = Scram.newPassword();
        Scram.upsert(admin, principalName(tenant), password, SCRAM_ITERATIONS, TIMEOUT);
        return password;
    }

    /**
     * Removes the tenant: its policy (a tombstone, so the processor refuses its jobs from now on when policies are
     * required, and keeps no more answers of it), the answers of its response cache (tombstones on the platform's cache
     * topic, which every processor instance follows), its ACLs and the applications' ACLs on its topics, its quotas, its
     * principal, and its topics with all their data. Returns one line per thing removed; a tenant that does not exist
     * yields nothing to remove.
     */
    public List<String> delete(TenantId tenant) throws InterruptedException, ExecutionException, TimeoutException {
        List<String> removed = new ArrayList<>();
        writePolicy(tenant, null);
        removed.add("policy record of " + tenant + " on " + names.tenantPolicies() + " (tombstone)");
        int answers = deleteCachedAnswers(tenant);
        if (answers > 0) {
            removed.add(answers + " answers of its response cache on " + names.responseCache() + " (tombstones)");
        }
        String principal = principalName(tenant);
        if (authorizerEnabled()) {
            removed.addAll(deleteAccess(tenant, principal));
        }
        Set<String> existing = admin.listTopics().names().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        List<String> topics = tenantTopics(tenant).stream().filter(existing::contains).toList();
        if (!topics.isEmpty()) {
            try {
                admin.deleteTopics(topics).all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            removed.add("topics " + topics + " and every record in them (jobs, results, dead letters, alerts)");
        }
        return removed;
    }

    /**
     * Writes a tombstone for each answer of the tenant's response cache still on the cache topic, read to its end as a
     * {@code read_committed} consumer sees it (keys {@code <tenantId>/...}); returns how many.
     */
    private int deleteCachedAnswers(TenantId tenant) throws InterruptedException, ExecutionException, TimeoutException {
        String topic = names.responseCache();
        if (!admin.listTopics().names().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).contains(topic)) {
            return 0;
        }
        String prefix = tenant.value() + "/";
        Set<String> live = new java.util.HashSet<>();
        Map<String, Object> consumerConfig = new HashMap<>(clientConfig);
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, TIMEOUT).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, TIMEOUT);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(partition -> consumer.position(partition, TIMEOUT) < ends.get(partition))) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("reading " + topic + " to its end took longer than " + TIMEOUT);
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.key() != null && record.key().startsWith(prefix)) {
                        if (record.value() == null) {
                            live.remove(record.key());
                        } else {
                            live.add(record.key());
                        }
                    }
                }
            }
        }
        if (!live.isEmpty()) {
            Map<String, Object> producerConfig = new HashMap<>(clientConfig);
            producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
            producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig, new StringSerializer(),
                    new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                for (String key : live) {
                    producer.send(new ProducerRecord<>(topic, key, null));
                }
                producer.flush();
            }
        }
        return live.size();
    }

    /** The principal's ACLs and the applications' on the tenant's topics, its quotas and its credentials. */
    private List<String> deleteAccess(TenantId tenant, String principal) throws InterruptedException, ExecutionException, TimeoutException {
        List<String> removed = new ArrayList<>();
        List<AclBindingFilter> filters = new ArrayList<>();
        filters.add(new AclBindingFilter(ResourcePatternFilter.ANY, new AccessControlEntryFilter("User:" + principal, null,
                AclOperation.ANY, AclPermissionType.ANY)));
        for (String topic : tenantTopics(tenant)) {
            // the applications' bindings on this tenant's topics
            filters.add(new AclBindingFilter(new ResourcePatternFilter(ResourceType.TOPIC, topic, PatternType.LITERAL),
                    AccessControlEntryFilter.ANY));
        }
        Collection<AclBinding> acls = admin.deleteAcls(filters).all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        removed.add(acls.size() + " ACL bindings of " + principal + " and on " + names.tenantAclPrefix(tenant) + "* topics");
        setQuotas(principal, null, null);
        removed.add("client quotas of " + principal);
        if (Scram.deleteUser(admin, principal, TIMEOUT)) {
            removed.add("SCRAM credentials of " + principal);
        }
        return removed;
    }

    List<String> tenantTopics(TenantId tenant) {
        return catalog.tenantTopics(tenant).stream().map(TopicCatalog.Spec::name).toList();
    }

    private void ensureTopics(TenantId tenant, Duration retention) throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, String> configs = Map.of("retention.ms", Long.toString(retention.toMillis()));
        List<NewTopic> wanted = catalog.tenantTopics(tenant).stream().map(topic -> topic.newTopic(configs)).toList();
        var results = admin.createTopics(wanted).values();
        List<String> existed = new ArrayList<>();
        for (var entry : results.entrySet()) {
            try {
                entry.getValue().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
                existed.add(entry.getKey());
            }
        }
        if (!existed.isEmpty()) {
            // created before: bring the retention in line with the (maybe changed) policy
            Map<ConfigResource, Collection<AlterConfigOp>> alter = new HashMap<>();
            for (String topic : existed) {
                alter.put(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(new AlterConfigOp(
                        new ConfigEntry("retention.ms", Long.toString(retention.toMillis())), AlterConfigOp.OpType.SET)));
            }
            admin.incrementalAlterConfigs(alter).all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** The tenant's own bindings, and the applications' on the tenant's topics. */
    List<AclBinding> tenantAcls(TenantId tenant) {
        String user = "User:" + principalName(tenant);
        String prefix = names.tenantAclPrefix(tenant);
        List<AclBinding> acls = new ArrayList<>();
        for (TopicCatalog.Spec topic : catalog.tenantTopics(tenant)) {
            if (topic.writtenBy(TopicCatalog.Party.TENANT)) {
                acls.add(allow(ResourceType.TOPIC, topic.name(), PatternType.LITERAL, user, AclOperation.WRITE));
            }
        }
        for (AclOperation operation : List.of(AclOperation.READ, AclOperation.DESCRIBE)) {
            acls.add(allow(ResourceType.TOPIC, prefix, PatternType.PREFIXED, user, operation));
            acls.add(allow(ResourceType.GROUP, prefix, PatternType.PREFIXED, user, operation));
        }
        // a transactional or idempotent producer of the tenant's jobs may use ids under its prefix
        acls.add(allow(ResourceType.TRANSACTIONAL_ID, prefix, PatternType.PREFIXED, user, AclOperation.WRITE));
        acls.add(allow(ResourceType.TRANSACTIONAL_ID, prefix, PatternType.PREFIXED, user, AclOperation.DESCRIBE));
        acls.addAll(applications.perTenantAcls(catalog, tenant));
        return acls;
    }

    static AclBinding allow(ResourceType type, String name, PatternType patternType, String principal, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, patternType),
                new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }

    private void setQuotas(String principal, Long producerByteRate, Long consumerByteRate)
            throws InterruptedException, ExecutionException, TimeoutException {
        ClientQuotaEntity entity = new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, principal));
        admin.alterClientQuotas(List.of(new ClientQuotaAlteration(entity, List.of(
                new ClientQuotaAlteration.Op("producer_byte_rate", producerByteRate == null ? null : producerByteRate.doubleValue()),
                new ClientQuotaAlteration.Op("consumer_byte_rate", consumerByteRate == null ? null : consumerByteRate.doubleValue())))))
                .all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private TenantPolicy policy(TenantSpec spec) {
        return TenantPolicy.newBuilder()
                .setTenantId(spec.tenant().value())
                .setAllowedModels(spec.allowedModels())
                .setMaxInputBytes(spec.maxInputBytes())
                .setRateLimitPerSecond(spec.rateLimitPerSecond())
                .setMonthlyBudgetNanos(spec.budgetNanos())
                .setCurrency(spec.currency())
                .setRetentionMs(spec.retention().toMillis())
                .setDeadLetterContent(spec.deadLetterContent())
                .setProducerByteRate(spec.producerByteRate())
                .setConsumerByteRate(spec.consumerByteRate())
                .setWeight(spec.weight())
                .setMaxConcurrentCalls(spec.maxConcurrentCalls())
                .setResponseCacheTtlMs(spec.responseCache().ttl() == null ? null : spec.responseCache().ttl().toMillis())
                .setResponseCacheAnyTemperature(spec.responseCache().anyTemperature())
                .setBatchJobs(spec.batchJobs())
                .setUpdatedAt(clock.instant())
                .build();
    }

    /** Writes the serialized policy (or, with null, a tombstone) and waits until the broker has it. */
    private void writePolicy(TenantId tenant, byte[] value) throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) TIMEOUT.toMillis());
        String topic = policies.name();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, tenant.value(), value)).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
    }
}
