package io.aijobs.processor.admission;

/**
 * How many partitions a topic has, as far as this instance knows: the divisor of a tenant's rate limit
 * ({@link TenantPolicyEnforcer}).
 */
@FunctionalInterface
public interface PartitionCounts {

    /** Every topic counts as one partition: each partition's bucket gets the whole rate (tests, one-partition topics). */
    PartitionCounts ONE = topic -> 1;

    /** The number of partitions of {@code topic}, or 0 when it is not known. */
    int partitions(String topic);
}
