package io.aijobs.processor.admission;

import java.util.Objects;

/**
 * A record as it arrived on a jobs topic, before anything is known about it: what admission looks at.
 *
 * @param topic     the topic it was read from; its tenant is the only tenant the job may run for
 * @param partition the partition of {@code topic} it was read from
 * @param key       the record key (must be the jobId)
 * @param value     the encoded job, as read (may be null); not copied, do not change it
 * @param replayOf  the {@code aijobs.replay-of} header, when an operator replays a dead letter; else null
 * @param nowMs     the processor's wall clock when the record is processed
 */
public record Arrival(String topic, int partition, String key, byte[] value, String replayOf, long nowMs) {

    public Arrival {
        Objects.requireNonNull(topic, "topic");
    }
}
