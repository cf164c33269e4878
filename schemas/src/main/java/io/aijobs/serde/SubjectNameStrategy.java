package io.aijobs.serde;

import java.util.Locale;
import org.apache.avro.Schema;

/**
 * How a record's subject in the registry is named, as in Confluent's serializers.
 *
 * <p>Configured by name ({@code topic}, {@code record}) or by Confluent's class names
 * ({@code io.confluent.kafka.serializers.subject.TopicNameStrategy}, {@code ...RecordNameStrategy}), so that
 * existing producer configs keep working.
 */
public enum SubjectNameStrategy {
    /** {@code <topic>-key} / {@code <topic>-value}: one schema lineage per topic. The default. */
    TOPIC {
        @Override
        public String subject(String topic, boolean isKey, Schema schema) {
            return topic + (isKey ? "-key" : "-value");
        }
    },
    /** The record's full name, e.g. {@code io.aijobs.schema.JobRequest}: one lineage per type across topics. */
    RECORD {
        @Override
        public String subject(String topic, boolean isKey, Schema schema) {
            return schema.getFullName();
        }
    };

    public abstract String subject(String topic, boolean isKey, Schema schema);

    public static SubjectNameStrategy parse(String name) {
        String simple = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        switch (simple) {
            case "topic":
            case "topicnamestrategy":
                return TOPIC;
            case "record":
            case "recordnamestrategy":
                return RECORD;
            default:
                throw new IllegalArgumentException("Unknown subject name strategy '" + name + "'; expected topic or record");
        }
    }
}
