package io.aijobs.processor.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aijobs.pricing.Price;
import io.aijobs.pricing.PricedCall;
import io.aijobs.schema.Cost;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PriceTableTest {

    @Test
    void shouldComputeExactCostsInNanoUnits() {
        PriceTable table = PriceTable.parse("2026-11", "USD", List.of("gpt-4o-mini=0.15:0.60"));

        Cost cost = table.charge("gpt-4o-mini", Instant.EPOCH, 1234, 0, 567).cost();

        // 1234 * 150,000,000 / 1e6 = 185,100; 567 * 600,000,000 / 1e6 = 340,200
        assertThat(cost.getAmountNanos()).isEqualTo(525_300L);
        assertThat(cost.getPricingVersion()).isEqualTo("2026-11");
        assertThat(cost.getPriced()).isTrue();
    }

    @Test
    void shouldBillABatchCallAtTheEntrysBatchPricesAndACallOnItsOwnAtTheRegularOnes() {
        // no cached input price (empty): cached tokens bill as input; batch input 0.50, batch output 1.00
        PriceTable table = PriceTable.parse("v", "USD", List.of("m=1.00:2.00::0.50:1.00"));

        PricedCall batch = table.chargeBatch("m", Instant.EPOCH, 1_000, 0, 500);
        PricedCall alone = table.charge("m", Instant.EPOCH, 1_000, 0, 500);

        assertThat(batch.cost().getAmountNanos()).isEqualTo(1_000 * 500L + 500 * 1_000L);
        assertThat(batch.batchSavedNanos()).isEqualTo(alone.cost().getAmountNanos() - batch.cost().getAmountNanos()).isEqualTo(1_000_000L);
        assertThat(alone.batchSavedNanos()).isZero();
    }

    @Test
    void shouldRejectAnEntryWithOneBatchPriceOnly() {
        assertThatThrownBy(() -> PriceTable.parse("v", "USD", List.of("m=1.00:2.00:0.50:0.50")))
                .hasMessageContaining("[:batchInputPricePerMillion:batchOutputPricePerMillion]");
    }

    @Test
    void shouldRoundHalfUpOncePerCall() {
        Price price = Price.perMillionTokens("0.0000015", "0");

        // 1 token * 1,500 nanos per million = 0.0015 nanos -> 0; 334 tokens -> 0.501 -> 1
        assertThat(price.costNanos(1, 0)).isZero();
        assertThat(price.costNanos(334, 0)).isEqualTo(1);
    }

    @Test
    void shouldMarkAnUnknownModelUnpricedNotFree() {
        PricedCall call = PriceTable.parse("v", "USD", List.of()).charge("mystery", Instant.EPOCH, 10, 5, 10);

        assertThat(call.cost().getPriced()).isFalse();
        assertThat(call.cost().getPricingVersion()).isNull();
        assertThat(call.promptCacheSavedNanos()).isZero();
    }

    @Test
    void shouldBillCachedInputTokensAtTheThirdPriceOfAnEntry() {
        PriceTable table = PriceTable.parse("2026-11", "USD", List.of("gpt-4o-mini=0.15:0.60:0.075"));

        PricedCall call = table.charge("gpt-4o-mini", Instant.EPOCH, 1234, 1000, 567);

        // 234 * 150 + 1000 * 75 + 567 * 600 = 35,100 + 75,000 + 340,200; without the cache 525,300
        assertThat(call.cost().getAmountNanos()).isEqualTo(450_300L);
        assertThat(call.promptCacheSavedNanos()).isEqualTo(75_000L);
    }

    @Test
    void shouldBillCachedInputTokensAsInputWhenAnEntryHasNoCachedPrice() {
        PricedCall call = PriceTable.parse("v", "USD", List.of("m=0.15:0.60")).charge("m", Instant.EPOCH, 1234, 1000, 567);

        assertThat(call.cost().getAmountNanos()).isEqualTo(525_300L);
        assertThat(call.promptCacheSavedNanos()).isZero();
    }

    @Test
    void shouldRejectEntriesWithAWrongNumberOfPricesOrACachedPriceAboveTheInputPrice() {
        assertThatThrownBy(() -> PriceTable.parse("v", "USD", List.of("m=1:2:0.5:9")))
                .hasMessage("price entry 'm=1:2:0.5:9' must be model=inputPricePerMillion:outputPricePerMillion"
                        + "[:cachedInputPricePerMillion[:batchInputPricePerMillion:batchOutputPricePerMillion]]");
        assertThatThrownBy(() -> PriceTable.parse("v", "USD", List.of("m=1:2:3")))
                .hasMessage("price entry 'm=1:2:3': the cached input price must not exceed the input price");
    }

    @Test
    void shouldRejectPricesThatAreNotExact() {
        assertThatThrownBy(() -> Price.perMillionTokens("0.0000000001", "1")).hasMessageContaining("more than 9 decimals");
        assertThatThrownBy(() -> PriceTable.parse("v", "USD", List.of("m=1"))).hasMessageContaining("model=inputPricePerMillion");
        assertThatThrownBy(() -> Price.perMillionTokens("abc", "1")).hasMessageContaining("not a decimal");
    }
}
