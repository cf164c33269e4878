package io.aijobs.costs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class CostAggregatorConfigTest {

    private static CostAggregatorConfig config(String windows) {
        return new CostAggregatorConfig(Map.of(CostAggregatorConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092",
                CostAggregatorConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://127.0.0.1:8081", CostAggregatorConfig.WINDOWS_CONFIG, windows));
    }

    @Test
    void shouldRollEveryWindowUpFromTheShortest() {
        AggregatorSettings settings = AggregatorSettings.from(config("PT1H,PT1M,PT15M"));

        assertThat(settings.base()).isEqualTo(WindowSpec.tumbling(Duration.ofMinutes(1)));
        assertThat(settings.windows()).extracting(WindowSpec::label).containsExactly("PT1H", "PT1M", "PT15M", "month");
    }

    @Test
    void shouldFailAtStartNamingTheKeyWhenAWindowIsNotAWholeNumberOfTheShortest() {
        assertThatThrownBy(() -> config("PT2M,PT3M")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("windows").hasMessageContaining("PT3M is not a whole number of PT2M");
    }

    @Test
    void shouldFailWhenTheShortestWindowDoesNotDivideADaySoMonthsCannotBeRolledUp() {
        assertThatThrownBy(() -> config("PT7M")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("windows").hasMessageContaining("month is not a whole number of PT7M");
    }

    @Test
    void shouldGiveUpASilentInstanceAfterSixSecondsLikeTheProcessorUnlessTheConfigSaysOtherwise() {
        assertThat(config("PT1M").streamsProperties().get("consumer.session.timeout.ms")).isEqualTo(6_000);
        assertThat(config("PT1M").streamsProperties().get("consumer.heartbeat.interval.ms")).isEqualTo(2_000);

        CostAggregatorConfig longer = new CostAggregatorConfig(Map.of(CostAggregatorConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092",
                CostAggregatorConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://127.0.0.1:8081", "streams.consumer.session.timeout.ms", "45000"));
        assertThat(longer.streamsProperties().get("consumer.session.timeout.ms")).isEqualTo("45000");
    }
}
