package io.aijobs.processor;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Stamps each job for the order in which a task reads its tenants' partitions: the time the processor read it, but
 * never earlier than one millisecond after the partition's previous job (nor more than {@link #MAX_LEAD_MS} ahead of
 * the clock).
 *
 * <p>Why: a task holds partition p of every tenant's jobs topic, and Kafka Streams hands it the record with the lowest
 * timestamp among its partitions first. With producer timestamps, a tenant that published 20,000 jobs a second ago
 * would have every one of them read before another tenant's job published since. Stamped on arrival and spaced one
 * millisecond apart per partition, a burst fetched at once is stamped as if it had arrived at one job per millisecond,
 * so another tenant's new job, stamped now, is read ahead of the burst's later part: intake interleaves tenants instead
 * of draining one backlog first. The lead is bounded so that a partition with a long backlog is never stamped far into
 * the future (the stamps also time the job-state changelog's records).
 *
 * <p>The processor keeps no event-time logic on jobs (deadlines, retries and punctuations run on wall-clock time), so
 * nothing else reads these stamps; a dead letter's {@code origin.timestamp} is the wall-clock time the job was read.
 */
public final class ArrivalTimeExtractor implements TimestampExtractor {

    /** The most a stamp runs ahead of the wall clock. */
    static final long MAX_LEAD_MS = 10_000;

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        return stamp(System.currentTimeMillis(), partitionTime);
    }

    static long stamp(long now, long partitionTime) {
        return Math.max(now, Math.min(partitionTime + 1, now + MAX_LEAD_MS));
    }
}
