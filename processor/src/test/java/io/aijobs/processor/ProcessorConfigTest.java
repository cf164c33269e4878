package io.aijobs.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aijobs.schema.FailureCategory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class ProcessorConfigTest {

    private static Map<String, Object> minimal() {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", "127.0.0.1:9092");
        props.put("schema.registry.url", "http://127.0.0.1:8081");
        props.put("model.base.url", "http://127.0.0.1:8000/v1");
        return props;
    }

    @Test
    void shouldAlwaysRunExactlyOnceV2AndPassStreamsOverrides() {
        Map<String, Object> props = minimal();
        props.put("streams.num.stream.threads", "2");

        var streams = new ProcessorConfig(props).streamsProperties();

        assertThat(streams.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        assertThat(streams.get("num.stream.threads")).isEqualTo("2");
    }

    @Test
    void shouldGiveUpASilentInstanceAfterSixSecondsWithAHeartbeatEveryTwoUnlessTheConfigSaysOtherwise() {
        assertThat(new ProcessorConfig(minimal()).streamsProperties().get("consumer.session.timeout.ms")).isEqualTo(6_000);
        assertThat(new ProcessorConfig(minimal()).streamsProperties().get("consumer.heartbeat.interval.ms")).isEqualTo(2_000);

        Map<String, Object> props = minimal();
        props.put("streams.consumer.session.timeout.ms", "45000");
        assertThat(new ProcessorConfig(props).streamsProperties().get("consumer.session.timeout.ms")).isEqualTo("45000");
    }

    @Test
    void shouldKeepEachTaskWarmOnAnotherInstanceAndNotHandATaskToAnInstanceThatMustRestoreItUnlessTheConfigSaysOtherwise() {
        Properties defaults = new ProcessorConfig(minimal()).streamsProperties();
        assertThat(defaults.get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).isEqualTo(1);
        assertThat(defaults.get(StreamsConfig.ACCEPTABLE_RECOVERY_LAG_CONFIG)).isEqualTo(100L);

        Map<String, Object> props = minimal();
        props.put("streams.num.standby.replicas", "0");
        props.put("streams.acceptable.recovery.lag", "10000");
        Properties chosen = new ProcessorConfig(props).streamsProperties();
        assertThat(chosen.get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).isEqualTo("0");
        assertThat(chosen.get(StreamsConfig.ACCEPTABLE_RECOVERY_LAG_CONFIG)).isEqualTo("10000");
    }

    @Test
    void shouldGiveTheStreamThreadAHundredRecordsAPollSoThatItJoinsARebalanceSoonUnlessTheConfigSaysOtherwise() {
        assertThat(new ProcessorConfig(minimal()).streamsProperties().get("consumer.max.poll.records")).isEqualTo(100);

        Map<String, Object> props = minimal();
        props.put("streams.consumer.max.poll.records", "1000");
        assertThat(new ProcessorConfig(props).streamsProperties().get("consumer.max.poll.records")).isEqualTo("1000");
    }

    @Test
    void shouldFetchSixteenKibibytesBufferAHundredJobsAPartitionPollEveryTenMillisecondsAndNotIdleUnlessTheConfigSaysOtherwise() {
        Properties defaults = new ProcessorConfig(minimal()).streamsProperties();
        assertThat(defaults.get("consumer.max.partition.fetch.bytes")).isEqualTo(16 * 1024);
        assertThat(defaults.get(StreamsConfig.BUFFERED_RECORDS_PER_PARTITION_CONFIG)).isEqualTo(100);
        assertThat(defaults.get(StreamsConfig.POLL_MS_CONFIG)).isEqualTo(10L);
        assertThat(defaults.get(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG)).isEqualTo(-1L);

        Map<String, Object> props = minimal();
        props.put("streams.consumer.max.partition.fetch.bytes", "1048576");
        props.put("streams.buffered.records.per.partition", "1000");
        props.put("streams.poll.ms", "100");
        props.put("streams.max.task.idle.ms", "0");
        Properties chosen = new ProcessorConfig(props).streamsProperties();
        assertThat(chosen.get("consumer.max.partition.fetch.bytes")).isEqualTo("1048576");
        assertThat(chosen.get(StreamsConfig.BUFFERED_RECORDS_PER_PARTITION_CONFIG)).isEqualTo("1000");
        assertThat(chosen.get(StreamsConfig.POLL_MS_CONFIG)).isEqualTo("100");
        assertThat(chosen.get(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG)).isEqualTo("0");
    }

    @Test
    void shouldFailFastNamingTheKey() {
        Map<String, Object> noModel = minimal();
        noModel.remove("model.base.url");
        assertThatThrownBy(() -> new ProcessorConfig(noModel)).isInstanceOf(ConfigException.class).hasMessageContaining("model.base.url");

        Map<String, Object> atLeastOnce = minimal();
        atLeastOnce.put("streams.processing.guarantee", "at_least_once");
        assertThatThrownBy(() -> new ProcessorConfig(atLeastOnce)).hasMessageContaining("streams.processing.guarantee");

        Map<String, Object> badPrice = minimal();
        badPrice.put("pricing.models", "m=cheap");
        assertThatThrownBy(() -> new ProcessorConfig(badPrice)).hasMessageContaining("pricing.models");

        Map<String, Object> badPolicy = minimal();
        badPolicy.put("pricing.unknown.model.policy", "FREE");
        assertThatThrownBy(() -> new ProcessorConfig(badPolicy)).hasMessageContaining("pricing.unknown.model.policy");

        Map<String, Object> backoffBelowInitial = minimal();
        backoffBelowInitial.put("retry.transient.backoff.max.ms", "10");
        assertThatThrownBy(() -> new ProcessorConfig(backoffBelowInitial)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("retry.transient.backoff.max.ms");

        Map<String, Object> badTier = minimal();
        badTier.put("retry.rate-limited.tier", "Slow Lane");
        assertThatThrownBy(() -> new ProcessorConfig(badTier)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("retry.rate-limited.tier");

        Map<String, Object> zeroAttempts = minimal();
        zeroAttempts.put("retry.transient.max.attempts", "0");
        assertThatThrownBy(() -> new ProcessorConfig(zeroAttempts)).hasMessageContaining("retry.transient.max.attempts");
    }

    @Test
    void shouldFailNamingBatchEndpointsWhenItNamesAnEndpointThatIsNotConfigured() {
        Map<String, Object> unknown = minimal();
        unknown.put(ProcessorConfig.BATCH_ENDPOINTS_CONFIG, "openai");

        assertThatThrownBy(() -> new ProcessorConfig(unknown)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("batch.endpoints").hasMessageContaining("endpoint openai is not configured");
    }

    @Test
    void shouldRetryTransientAndRateLimitedFailuresByDefaultAndNothingElse() {
        ProcessorConfig config = new ProcessorConfig(minimal());
        var policies = config.failurePolicies(() -> 0.0);

        assertThat(config.retryTiers()).containsExactly("rate-limited", "transient");
        assertThat(policies.policy(FailureCategory.TRANSIENT)).hasValueSatisfying(p -> assertThat(p.tier()).isEqualTo("transient"));
        assertThat(policies.maxAttempts(FailureCategory.RATE_LIMITED)).isEqualTo(8);
        for (FailureCategory once : List.of(FailureCategory.PERMANENT, FailureCategory.POISON, FailureCategory.INVALID,
                FailureCategory.EXPIRED, FailureCategory.BUDGET, FailureCategory.SECURITY)) {
            assertThat(policies.policy(once)).as(once.name()).isEmpty();
        }
    }

    @Test
    void shouldNeverShowTheApiKey() {
        Map<String, Object> props = minimal();
        props.put("model.api.key", "sk-very-secret");

        ProcessorConfig config = new ProcessorConfig(props);

        assertThat(config.modelApiKey()).contains("sk-very-secret");
        assertThat(config.toString()).doesNotContain("sk-very-secret");
        assertThat(config.values().toString()).doesNotContain("sk-very-secret");
    }

    @Test
    void shouldGiveItsTopicCatalogTheConfiguredRetryTiersAndPrefixes() {
        java.util.Map<String, Object> props = new java.util.HashMap<>();
        props.put("bootstrap.servers", "127.0.0.1:9092");
        props.put("schema.registry.url", "http://127.0.0.1:8081");
        props.put("model.base.url", "http://127.0.0.1:8000/v1");
        props.put("platform.topic.prefix", "p2.platform.");
        props.put("retry.transient.tier", "slow");

        io.aijobs.contracts.TopicCatalog catalog = new ProcessorConfig(props).topicCatalog();

        assertThat(catalog.retryTiers()).containsExactly("rate-limited", "slow");
        assertThat(catalog.platformTopics()).extracting(io.aijobs.contracts.TopicCatalog.Spec::name)
                .contains("p2.platform.retry.slow", "p2.platform.retry.rate-limited").doesNotContain("p2.platform.retry.transient");
    }
}
