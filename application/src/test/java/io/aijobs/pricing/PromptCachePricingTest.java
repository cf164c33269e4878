package io.aijobs.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aijobs.schema.ModelPrice;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Cached input tokens priced right, against hand computations to the nano-unit. The vectors are the token counts of
 * public bug reports on other gateways' cost accounting; each test names the mistake it rules out and its figure.
 * Prices are per million tokens, so 0.50 is 500 nano-units per token.
 */
class PromptCachePricingTest {

    /** earendil-works/pi#2148: 20,212 input tokens of which 16,298 cached, 931 output; input 0.50, cached 0.05, output 3.00. */
    private static final Price GEMINI_FLASH = Price.perMillionTokens("0.50", "3.00", "0.05");

    @Test
    void shouldBillCachedTokensAtTheCachedPriceAndTheRestAtTheInputPrice() {
        Price.Charge charge = GEMINI_FLASH.charge(20_212, 16_298, 931);

        // (20,212 - 16,298) * 500 + 16,298 * 50 + 931 * 3,000 = 1,957,000 + 814,900 + 2,793,000; the reported bugs gave
        // 12,899,000 (every input token at the input price) and 13,713,900 (the cached ones again on top: $0.0137)
        assertThat(charge.costNanos()).isEqualTo(5_564_900L);
    }

    @Test
    void shouldSaveExactlyWhatTheSameCallWithoutTheCacheWouldHaveCostMore() {
        Price.Charge charge = GEMINI_FLASH.charge(20_212, 16_298, 931);

        // 16,298 * (500 - 50) = 7,334,100
        assertThat(charge.promptCacheSavedNanos()).isEqualTo(7_334_100L);
        assertThat(charge.costNanos() + charge.promptCacheSavedNanos()).isEqualTo(GEMINI_FLASH.costNanos(20_212, 931));
    }

    /**
     * mozilla-ai/any-llm#664: Gemini's 22,729 prompt tokens of which 17,323 cached, 366 candidate and 91 thought tokens
     * (output 457), priced as if every prompt token were standard input once the cached count was lost in conversion.
     */
    @Test
    void shouldPriceTheCountsAGatewayLostInConversionAtThreeTiers() {
        Price price = Price.perMillionTokens("0.30", "2.50", "0.075");

        Price.Charge charge = price.charge(22_729, 17_323, 366 + 91);

        // 5,406 * 300 + 17,323 * 75 + 457 * 2,500 = 1,621,800 + 1,299,225 + 1,142,500
        assertThat(charge.costNanos()).isEqualTo(4_063_525L);
        // 22,729 * 300 + 457 * 2,500 = 7,961,200 without the cache
        assertThat(charge.promptCacheSavedNanos()).isEqualTo(7_961_200L - 4_063_525L);
    }

    @Test
    void shouldRoundTheWholeCallOnceNotEachTier() {
        // 1,500 and 500 nano-units per million tokens: 333 uncached tokens are 0.4995 nano-units, 1 cached is 0.0005
        Price price = Price.perMillionTokens("0.0000015", "0", "0.0000005");

        Price.Charge charge = price.charge(334, 1, 0);

        // 499,500 + 500 = 500,000 per million = 0.5, rounded half-up to 1 (each tier rounded alone would give 0 + 0)
        assertThat(charge.costNanos()).isEqualTo(1L);
        // without the cache: 334 * 1,500 = 501,000 per million, also 1
        assertThat(charge.promptCacheSavedNanos()).isZero();
    }

    @Test
    void shouldBillCachedTokensAsInputAndSaveNothingWhenTheModelHasNoCachedPrice() {
        Price price = Price.perMillionTokens("0.50", "3.00");

        Price.Charge charge = price.charge(20_212, 16_298, 931);

        assertThat(charge.costNanos()).isEqualTo(12_899_000L);
        assertThat(charge.promptCacheSavedNanos()).isZero();
    }

    @Test
    void shouldRejectCachedTokensBeyondTheInputTokensAndACachedPriceAboveTheInputPrice() {
        assertThatThrownBy(() -> GEMINI_FLASH.charge(10, 11, 0)).hasMessageContaining("cached input tokens (11) are part of the input tokens (10)");
        assertThatThrownBy(() -> Price.perMillionTokens("0.50", "3.00", "0.60"))
                .hasMessage("the cached input price must not exceed the input price");
    }

    @Test
    void shouldApplyTheCachedPriceOfAPricesTopicEntry() {
        PriceBook book = PriceBook.empty();
        book.put(ModelPrice.newBuilder().setModel("gemini-3-flash").setEffectiveFrom(Instant.parse("2026-01-01T00:00:00Z"))
                .setInputPerMillion("0.50").setOutputPerMillion("3.00").setCachedInputPerMillion("0.05").setVersion("v7").build());

        PricedCall call = book.price("gemini-3-flash", Instant.parse("2026-06-01T00:00:00Z"), 20_212, 16_298, 931);

        assertThat(call.cost().getAmountNanos()).isEqualTo(5_564_900L);
        assertThat(call.cost().getPricingVersion()).isEqualTo("v7");
        assertThat(call.promptCacheSavedNanos()).isEqualTo(7_334_100L);
        assertThat(book.price("gemini-3-flash", Instant.parse("2025-12-31T00:00:00Z"), 10, 5, 1).cost().getPriced()).isFalse();
    }

    @Test
    void shouldBillCachedTokensAsInputForATopicEntryWhoseCachedPriceIsBadAndLeaveOutOneWhoseInputPriceIs() {
        PriceBook book = PriceBook.empty();
        Instant from = Instant.parse("2026-01-01T00:00:00Z");
        book.put(ModelPrice.newBuilder().setModel("m").setEffectiveFrom(from).setInputPerMillion("0.50").setOutputPerMillion("3.00")
                .setCachedInputPerMillion("0.90").setVersion("v1").build());
        book.put(ModelPrice.newBuilder().setModel("m").setEffectiveFrom(from.plusSeconds(60)).setInputPerMillion("cheap")
                .setOutputPerMillion("3.00").setVersion("v2").build());

        PricedCall call = book.price("m", from.plusSeconds(120), 20_212, 16_298, 931);

        assertThat(call.cost().getPricingVersion()).as("v2 left out").isEqualTo("v1");
        assertThat(call.cost().getAmountNanos()).isEqualTo(12_899_000L);
        assertThat(call.promptCacheSavedNanos()).isZero();
    }
}
