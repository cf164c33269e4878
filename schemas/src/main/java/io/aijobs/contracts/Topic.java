package io.aijobs.contracts;

import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;

/**
 * A topic bound to the serdes of its key and value: the only way code names a topic it reads or writes.
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {

    public Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
    }
}
