package io.aijobs.contracts;

import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.Serde;

/**
 * One kind of per-tenant topic ({@code tenant.<id>.results}, ...) bound to the serdes of its key and value: what a
 * reader of every tenant's topics subscribes to ({@link #pattern()}), and what a writer that picks the tenant per
 * record names ({@link #name(TenantId)}). {@link #of(TenantId)} is one tenant's {@link Topic}.
 */
public record TenantTopics<K, V>(TopicNames.TenantTopic kind, TopicNames names, Serde<K> keySerde, Serde<V> valueSerde) {

    public TenantTopics {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(names, "names");
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
    }

    public String name(TenantId tenant) {
        return names.tenantTopic(tenant, kind);
    }

    public Topic<K, V> of(TenantId tenant) {
        return new Topic<>(name(tenant), keySerde, valueSerde);
    }

    /** A producer of this kind's key and value types, with {@code config}, for records to any tenant's topic of it. */
    public org.apache.kafka.clients.producer.KafkaProducer<K, V> producer(java.util.Map<String, Object> config) {
        return new org.apache.kafka.clients.producer.KafkaProducer<>(config, keySerde.serializer(), valueSerde.serializer());
    }

    /** Every tenant's topic of this kind, for a pattern subscription. */
    public Pattern pattern() {
        return names.tenantPattern(kind);
    }
}
