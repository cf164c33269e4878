package io.aijobs.testing;

import static org.awaitility.Awaitility.await;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.Topic;
import io.aijobs.contracts.TopicCatalog;
import io.aijobs.contracts.TopicNames;
import io.aijobs.contracts.Topics;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.TopicReadiness;
import io.aijobs.serde.AvroSerdeConfig;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;

/**
 * One isolated deployment on the shared test stack: topic prefixes of its own ({@code <tag><run>.tenant.} and
 * {@code <tag><run>.platform.}, so no other test's topics match its patterns), every topic of the catalog for its
 * tenants created and ready, and typed clients of those topics over the stack's registry.
 */
public final class TestDeployment {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final StackEndpoints stack;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final TopicCatalog catalog;
    private final Topics topics;

    /** Creates the catalog's topics for {@code tenants} under prefixes made from {@code tag}, with the default tiers. */
    public TestDeployment(StackEndpoints stack, String tag, Collection<TenantId> tenants) throws Exception {
        this(stack, tag, tenants, TopicCatalog.DEFAULT_RETRY_TIERS);
    }

    public TestDeployment(StackEndpoints stack, String tag, Collection<TenantId> tenants, Collection<String> retryTiers)
            throws Exception {
        this.stack = stack;
        this.catalog = new TopicCatalog(new TopicNames(tag + run + ".tenant.", tag + run + ".platform."), retryTiers,
                TopicCatalog.DEFAULT_PARTITIONS, TopicCatalog.DEFAULT_REPLICATION_FACTOR);
        // as the registry's operator where it has logins: registering on first use needs it
        Map<String, Object> registry = new HashMap<>(stack.registryAdminConfig());
        registry.put(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true);
        AvroSerdeConfig serdeConfig = new AvroSerdeConfig(registry);
        this.topics = new Topics(catalog, RestSchemaRegistryClient.create(serdeConfig), serdeConfig);
        createTopics(catalog.topics(List.copyOf(tenants)));
    }

    /** Creates {@code tenant}'s topics (a tenant that arrives while the deployment runs). */
    public void addTenant(TenantId tenant) throws Exception {
        createTopics(catalog.tenantTopics(tenant));
    }

    private void createTopics(List<TopicCatalog.Spec> specs) throws Exception {
        try (Admin admin = Admin.create(stack.adminClientConfig())) {
            List<NewTopic> created = new ArrayList<>();
            specs.forEach(spec -> created.add(spec.newTopic(Map.of())));
            admin.createTopics(created).all().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            TopicReadiness.await(admin, created.stream().map(NewTopic::name).toList(), WAIT);
        }
    }

    public StackEndpoints stack() {
        return stack;
    }

    /** A short random id of this deployment, for application ids and folders. */
    public String run() {
        return run;
    }

    public TopicCatalog catalog() {
        return catalog;
    }

    public TopicNames names() {
        return catalog.names();
    }

    /** The deployment's topics, over the stack's registry, registering schemas on first use. */
    public Topics topics() {
        return topics;
    }

    /**
     * An idempotent producer of {@code topic}: {@code acks=all}, one batch in flight per partition (see
     * {@link TopicReadiness}: a retried first batch stays in order).
     */
    public <K, V> KafkaProducer<K, V> producer(Topic<K, V> topic) {
        Map<String, Object> config = new HashMap<>(stack.adminClientConfig());
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        return topic.producer(config);
    }

    /**
     * Every record committed on {@code topic} up to its end offsets at the time of the call, as a {@code read_committed}
     * consumer sees them; waits at most 60 s to read them.
     */
    public <K, V> List<ConsumerRecord<K, V>> committed(Topic<K, V> topic) {
        Map<String, Object> config = new HashMap<>(stack.adminClientConfig());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<K, V> consumer = topic.consumer(config)) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic.name(), WAIT).forEach(info -> partitions.add(new TopicPartition(topic.name(), info.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            List<ConsumerRecord<K, V>> records = new ArrayList<>();
            await().atMost(WAIT).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
            });
            return records;
        }
    }

    /** The values of {@link #committed}. */
    public <K, V> List<V> committedValues(Topic<K, V> topic) {
        return committed(topic).stream().map(ConsumerRecord::value).toList();
    }
}
