package io.aijobs.processor.admission;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicNames;
import io.aijobs.processor.failure.Failure;
import io.aijobs.schema.FailureCategory;
import java.util.Objects;
import java.util.Optional;

/** First step: the tenant whose jobs topic a record arrived on. A record on any other topic is POISON. */
final class TenantOfTopic {

    static final String NAME = "tenant-of-topic";

    private final TopicNames names;

    TenantOfTopic(TopicNames names) {
        this.names = Objects.requireNonNull(names, "names");
    }

    /** The tenant, or empty: then the record is rejected with {@link #unknownTopic()}. */
    Optional<TenantId> tenantOf(Arrival arrival) {
        return names.tenantOf(arrival.topic(), TopicNames.TenantTopic.JOBS);
    }

    static Failure unknownTopic() {
        return Failure.rejection(FailureCategory.POISON, "unknown_topic", "Record on a topic that is not a tenant jobs topic");
    }
}
