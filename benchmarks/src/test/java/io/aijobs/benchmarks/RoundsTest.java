package io.aijobs.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RoundsTest {

    private static Rounds of(double... values) {
        Rounds rounds = new Rounds();
        for (double value : values) {
            rounds.add(value);
        }
        return rounds;
    }

    @Test
    void shouldGiveTheMedianOfAnOddAndOfAnEvenNumberOfRoundsAndTheirSpread() {
        assertThat(of(3, 1, 2).median()).isEqualTo(2);
        assertThat(of(4, 1, 3, 2).median()).isEqualTo(2.5);
        assertThat(of(90, 100, 110).spread()).isEqualTo(0.2);
        assertThat(of(90, 100, 110).range("%.0f")).isEqualTo("100 (90 to 110)");
    }

    @Test
    void shouldQuoteARatioWhoseRoundsSpreadByTwentyPercentAtMostAndMarkOneThatSpreadsMoreUnstable() {
        Rounds measured = of(100, 100, 100);
        assertThat(measured.over(of(50, 46, 54)).ratioCell("%.2fx", r -> r)).isEqualTo("**2.00x** (rounds 2.00x, 2.17x, 1.85x; spread 16%)");
        assertThat(measured.over(of(50, 40, 55)).ratioCell("%.2fx", r -> r)).isEqualTo("unstable (rounds 2.00x, 2.50x, 1.82x; spread 34%)");
        assertThat(of(7).stable()).as("one round is no evidence").isFalse();
    }

    @Test
    void shouldPairRatiosRoundByRound() {
        assertThat(of(10, 20).over(of(5, 5)).each("%.0f", r -> r)).isEqualTo("2, 4");
        assertThatThrownBy(() -> of(10, 20).over(of(5))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldSizeARunToTwentySecondsOfSteadyStateWithinItsBounds() {
        assertThat(Rounds.recordsFor(1_000, 1, 10_000_000)).isEqualTo(25_000);
        assertThat(Rounds.recordsFor(10, 5_000, 10_000_000)).isEqualTo(5_000);
        assertThat(Rounds.recordsFor(1_000_000, 1, 3_000_000)).isEqualTo(3_000_000);
    }

    @Test
    void shouldRunAgainARunThatTurnedOutTooShortAndCountOnlyTheOneLongEnough() throws Exception {
        RateSeries series = new RateSeries(1_000, 0, 1, 10_000_000);
        java.util.List<Integer> asked = new java.util.ArrayList<>();
        // the first run of 25,000 records goes at 10,000/s: 2 s of steady state, not counted; then 250,000 at 10,000/s
        series.measure("test", records -> {
            asked.add(records);
            return 10_000;
        });
        assertThat(asked).containsExactly(25_000, 250_000);
        assertThat(series.rates.size()).isEqualTo(1);
        assertThat(series.records()).isEqualTo("250000");
    }
}
