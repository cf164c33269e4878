package io.aijobs.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsAppConfigTest {

    /** An application with one key of its own. */
    static final class ExampleConfig extends StreamsAppConfig {
        static final ConfigDef DEFINITION = baseConfigDef("example-app")
                .define("example.interval.ms", ConfigDef.Type.LONG, 1_000L, ConfigDef.Importance.LOW, "An example key.");

        ExampleConfig(Map<String, Object> props) {
            super(DEFINITION, props, "the example");
        }

        Properties streams() {
            return streamsProperties(Map.of(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 3, StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 50));
        }
    }

    private static Map<String, Object> minimal() {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", "127.0.0.1:9092");
        props.put("schema.registry.url", "http://127.0.0.1:8081");
        return props;
    }

    @Test
    void shouldRefuseAMisspeltKeyNamingIt() {
        Map<String, Object> props = minimal();
        props.put("example.intervall.ms", "5");

        assertThatThrownBy(() -> new ExampleConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("example.intervall.ms").hasMessageContaining("unknown key of the example's configuration");
    }

    @Test
    void shouldTakeItsOwnKeysAndStreamsPrefixedKeys() {
        Map<String, Object> props = minimal();
        props.put("example.interval.ms", "5");
        props.put("streams.num.stream.threads", "2");

        ExampleConfig config = new ExampleConfig(props);

        assertThat(config.getLong("example.interval.ms")).isEqualTo(5L);
        assertThat(config.streams()).containsEntry(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "2");
    }

    @Test
    void shouldRefuseAnotherProcessingGuaranteeNamingTheKey() {
        Map<String, Object> props = minimal();
        props.put("streams.processing.guarantee", "at_least_once");

        assertThatThrownBy(() -> new ExampleConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("streams.processing.guarantee").hasMessageContaining("the example only runs with exactly_once_v2");
    }

    @Test
    void shouldRefuseTopicPrefixesThatContainOneAnother() {
        Map<String, Object> props = minimal();
        props.put("tenant.topic.prefix", "platform.tenant.");

        assertThatThrownBy(() -> new ExampleConfig(props)).isInstanceOf(ConfigException.class).hasMessageContaining("tenant.topic.prefix");
    }

    @Test
    void shouldLayerPlatformDefaultsThenApplicationDefaultsThenOverridesThenExactlyOnce() {
        Map<String, Object> props = minimal();
        props.put("streams.commit.interval.ms", "200");

        Properties streams = new ExampleConfig(props).streams();

        assertThat(streams).containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "example-app")
                .containsEntry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092")
                .containsEntry(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, PlatformRecordExceptionHandler.class.getName())
                .containsEntry(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbConfig.class.getName())
                .containsEntry(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 3)
                .containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "200")
                .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    }
}
