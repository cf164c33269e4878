package io.aijobs.processor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ArrivalTimeExtractorTest {

    @Test
    void shouldStampAJobOfAQuietPartitionWithTheClock() {
        assertThat(ArrivalTimeExtractor.stamp(10_000, 5_000)).isEqualTo(10_000);
        assertThat(ArrivalTimeExtractor.stamp(10_000, -1)).as("a partition with no time yet").isEqualTo(10_000);
    }

    @Test
    void shouldSpaceTheJobsOfABurstOneMillisecondApartSoThatAnotherPartitionsNewJobComesFirst() {
        long stamp = 10_000;
        for (int i = 0; i < 500; i++) {
            stamp = ArrivalTimeExtractor.stamp(10_000, stamp);
        }
        assertThat(stamp).isEqualTo(10_500);
        assertThat(ArrivalTimeExtractor.stamp(10_000, 9_000)).as("another partition's new job, read now").isLessThan(stamp);
    }

    @Test
    void shouldNeverStampMoreThanTheMaximumLeadAheadOfTheClock() {
        assertThat(ArrivalTimeExtractor.stamp(10_000, 10_000 + ArrivalTimeExtractor.MAX_LEAD_MS))
                .isEqualTo(10_000 + ArrivalTimeExtractor.MAX_LEAD_MS);
    }
}
