package io.aijobs.processor.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aijobs.pricing.Price;
import io.aijobs.schema.Cost;
import java.util.List;
import org.junit.jupiter.api.Test;

class PriceTableTest {

    @Test
    void shouldComputeExactCostsInNanoUnits() {
        PriceTable table = PriceTable.parse("2026-11", "USD", List.of("gpt-4o-mini=0.15:0.60"));

        Cost cost = table.cost("gpt-4o-mini", 1234, 567);

        // 1234 * 150,000,000 / 1e6 = 185,100; 567 * 600,000,000 / 1e6 = 340,200
        assertThat(cost.getAmountNanos()).isEqualTo(525_300L);
        assertThat(cost.getPricingVersion()).isEqualTo("2026-11");
        assertThat(cost.getPriced()).isTrue();
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
        Cost cost = PriceTable.parse("v", "USD", List.of()).cost("mystery", 10, 10);

        assertThat(cost.getPriced()).isFalse();
        assertThat(cost.getPricingVersion()).isNull();
    }

    @Test
    void shouldRejectPricesThatAreNotExact() {
        assertThatThrownBy(() -> Price.perMillionTokens("0.0000000001", "1")).hasMessageContaining("more than 9 decimals");
        assertThatThrownBy(() -> PriceTable.parse("v", "USD", List.of("m=1"))).hasMessageContaining("model=inputPricePerMillion");
        assertThatThrownBy(() -> Price.perMillionTokens("abc", "1")).hasMessageContaining("not a decimal");
    }
}
