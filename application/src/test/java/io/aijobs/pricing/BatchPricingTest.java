package io.aijobs.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aijobs.schema.ModelPrice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calls answered through a provider's batch interface, priced at the batch prices, against hand computations to the
 * nano-unit. Other gateways recorded such calls as $0, or at the regular price; these rule both out. Prices are per
 * million tokens: 0.075 is 75 nano-units per token.
 */
class BatchPricingTest {

    /** gpt-4o-mini at OpenAI: input 0.15, cached 0.075, output 0.60; through /v1/batches half: 0.075 and 0.30. */
    private static final Price MINI = Price.perMillionTokens("0.15", "0.60", "0.075", "0.075", "0.30");

    @Test
    void shouldBillABatchCallAtTheBatchPricesAndSaveTheDifferenceToTheSameCallOnItsOwn() {
        Price.Charge charge = MINI.chargeBatch(12_000, 0, 800);

        // 12,000 * 75 + 800 * 300 = 900,000 + 240,000; on its own 12,000 * 150 + 800 * 600 = 1,800,000 + 480,000
        assertThat(charge.costNanos()).isEqualTo(1_140_000L);
        assertThat(charge.batchSavedNanos()).isEqualTo(2_280_000L - 1_140_000L);
        assertThat(charge.costNanos() + charge.batchSavedNanos()).isEqualTo(MINI.costNanos(12_000, 800));
    }

    @Test
    void shouldBillCachedTokensOfABatchCallAtTheLowerOfTheCachedAndTheBatchInputPrice() {
        // cached 0.01 is below batch input 0.075: 2,000 cached at 10, 10,000 at 75, 800 at 300
        Price price = Price.perMillionTokens("0.15", "0.60", "0.01", "0.075", "0.30");

        Price.Charge charge = price.chargeBatch(12_000, 2_000, 800);

        assertThat(charge.costNanos()).isEqualTo(10_000 * 75L + 2_000 * 10L + 800 * 300L);
        // the cache's saving at batch prices: 2,000 * (75 - 10)
        assertThat(charge.promptCacheSavedNanos()).isEqualTo(2_000 * 65L);
        // against the same call on its own, cache included: 10,000 * 150 + 2,000 * 10 + 800 * 600
        assertThat(charge.batchSavedNanos()).isEqualTo(10_000 * 150L + 2_000 * 10L + 800 * 600L - charge.costNanos());
    }

    @Test
    void shouldBillABatchCallAtTheRegularPricesWhenThePriceHasNoBatchPrices() {
        Price price = Price.perMillionTokens("1.00", "2.00");

        Price.Charge charge = price.chargeBatch(1_000, 0, 500);

        assertThat(charge.costNanos()).isEqualTo(2_000_000L).isPositive();
        assertThat(charge.batchSavedNanos()).isZero();
        assertThat(price.batchDiscounted()).isFalse();
    }

    @Test
    void shouldRefuseBatchPricesAboveTheRegularOnes() {
        assertThatThrownBy(() -> Price.perMillionTokens("0.15", "0.60", null, "0.20", "0.30"))
                .hasMessageContaining("batch prices must not exceed");
    }

    @Test
    void shouldReadBatchPricesFromThePriceFileAndBillWithThemFromTheBook(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("prices.csv");
        Files.writeString(file, "model,effective_from,input_per_million,output_per_million,cached_input_per_million,"
                + "batch_input_per_million,batch_output_per_million\ngpt-4o-mini,2026-01-01,0.15,0.60,,0.075,0.30\n");
        List<ModelPrice> prices = PriceBook.parse(file, "v1");
        PriceBook book = PriceBook.empty();
        prices.forEach(book::put);

        PricedCall call = book.priceBatch("gpt-4o-mini", Instant.parse("2026-06-01T00:00:00Z"), 12_000, 0, 800);

        assertThat(prices.get(0).getBatchInputPerMillion()).isEqualTo("0.075");
        assertThat(prices.get(0).getCachedInputPerMillion()).isNull();
        assertThat(call.cost().getAmountNanos()).isEqualTo(1_140_000L);
        assertThat(call.batchSavedNanos()).isEqualTo(1_140_000L);
        assertThat(book.price("gpt-4o-mini", Instant.parse("2026-06-01T00:00:00Z"), 12_000, 0, 800).batchSavedNanos()).isZero();
    }

    @Test
    void shouldRejectAPriceFileLineWithOneBatchPriceOnly(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("prices.csv");
        Files.writeString(file, "gpt-4o-mini,2026-01-01,0.15,0.60,0.075,0.075\n");

        assertThatThrownBy(() -> PriceBook.parse(file, "v1")).hasMessageContaining("line 1")
                .hasMessageContaining("batch_input_per_million,batch_output_per_million");
    }
}
