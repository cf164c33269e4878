package io.aijobs.pricing;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A model's price: nano-units of currency per million input, cached input and output tokens (exact integers; 0.15
 * USD per million tokens is 150,000,000).
 *
 * <p>Cached input tokens are the part of a call's input tokens that the provider served from its prompt cache
 * (OpenAI's {@code usage.prompt_tokens_details.cached_tokens}): they are counted in the input tokens, not beside
 * them, and billed at {@code cachedInputNanosPerMillion} instead of {@code inputNanosPerMillion}. A provider that
 * does not bill them apart has a cached price equal to its input price.
 *
 * <p>Calls answered through the provider's batch interface are billed at the batch input and output prices (half the
 * regular ones at OpenAI); their cached input tokens at the lower of the cached and the batch input price. A provider
 * without a batch discount has batch prices equal to its regular prices.
 */
public record Price(long inputNanosPerMillion, long outputNanosPerMillion, long cachedInputNanosPerMillion,
                    long batchInputNanosPerMillion, long batchOutputNanosPerMillion) {

    private static final BigDecimal NANOS = BigDecimal.valueOf(1_000_000_000L);
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000L);

    public Price {
        if (inputNanosPerMillion < 0 || outputNanosPerMillion < 0 || cachedInputNanosPerMillion < 0
                || batchInputNanosPerMillion < 0 || batchOutputNanosPerMillion < 0) {
            throw new IllegalArgumentException("prices must not be negative");
        }
        if (cachedInputNanosPerMillion > inputNanosPerMillion) {
            throw new IllegalArgumentException("the cached input price must not exceed the input price");
        }
        if (batchInputNanosPerMillion > inputNanosPerMillion || batchOutputNanosPerMillion > outputNanosPerMillion) {
            throw new IllegalArgumentException("the batch prices must not exceed the input and output prices");
        }
    }

    /** A price without a batch discount: batch calls cost what other calls cost. */
    public Price(long inputNanosPerMillion, long outputNanosPerMillion, long cachedInputNanosPerMillion) {
        this(inputNanosPerMillion, outputNanosPerMillion, cachedInputNanosPerMillion, inputNanosPerMillion, outputNanosPerMillion);
    }

    /** A price that bills cached input tokens as any other input token. */
    public Price(long inputNanosPerMillion, long outputNanosPerMillion) {
        this(inputNanosPerMillion, outputNanosPerMillion, inputNanosPerMillion);
    }

    /** From decimal currency amounts per million tokens, e.g. {@code "0.15"}; more than 9 decimals is an error. */
    public static Price perMillionTokens(String input, String output) {
        return new Price(toNanos(input), toNanos(output));
    }

    /** As {@link #perMillionTokens(String, String)}, with the cached input price; {@code null}: billed as input. */
    public static Price perMillionTokens(String input, String output, String cachedInput) {
        return perMillionTokens(input, output, cachedInput, null, null);
    }

    /**
     * As {@link #perMillionTokens(String, String, String)}, with the batch input and output prices; {@code null}: the
     * regular price.
     */
    public static Price perMillionTokens(String input, String output, String cachedInput, String batchInput, String batchOutput) {
        long inputNanos = toNanos(input);
        long outputNanos = toNanos(output);
        return new Price(inputNanos, outputNanos, cachedInput == null ? inputNanos : toNanos(cachedInput),
                batchInput == null ? inputNanos : toNanos(batchInput), batchOutput == null ? outputNanos : toNanos(batchOutput));
    }

    /** Whether batch calls cost less than other calls. */
    public boolean batchDiscounted() {
        return batchInputNanosPerMillion < inputNanosPerMillion || batchOutputNanosPerMillion < outputNanosPerMillion;
    }

    private static long toNanos(String amount) {
        try {
            return new BigDecimal(amount.trim()).multiply(NANOS).longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("price '" + amount + "' has more than 9 decimals");
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("price '" + amount + "' is not a decimal number");
        }
    }

    /** Cost of one call without cached input tokens, in nano-units. */
    public long costNanos(long inputTokens, long outputTokens) {
        return charge(inputTokens, 0, outputTokens).costNanos();
    }

    /**
     * What one call costs and what its cached input tokens saved, in nano-units. {@code cachedInputTokens} are part
     * of {@code inputTokens} ({@code 0 <= cachedInputTokens <= inputTokens}). The cost is rounded half-up once, from
     * exact integer arithmetic; the saving is the same call's cost with no token cached, minus the cost, so cost plus
     * saving is exactly what the call would have cost without the provider's cache.
     */
    public Charge charge(long inputTokens, long cachedInputTokens, long outputTokens) {
        return charge(inputNanosPerMillion, cachedInputNanosPerMillion, outputNanosPerMillion, inputTokens, cachedInputTokens, outputTokens);
    }

    /**
     * What one call answered through the batch interface costs at the batch prices, what its cached input tokens
     * saved at those prices, and what the batch prices saved: the same call's {@link #charge} minus its batch cost, so
     * batch cost plus batch saving is exactly what the call would have cost on its own.
     */
    public Charge chargeBatch(long inputTokens, long cachedInputTokens, long outputTokens) {
        Charge batch = charge(batchInputNanosPerMillion, Math.min(cachedInputNanosPerMillion, batchInputNanosPerMillion),
                batchOutputNanosPerMillion, inputTokens, cachedInputTokens, outputTokens);
        long alone = charge(inputTokens, cachedInputTokens, outputTokens).costNanos();
        return new Charge(batch.costNanos(), batch.promptCacheSavedNanos(), alone - batch.costNanos());
    }

    private static Charge charge(long inputNanosPerMillion, long cachedInputNanosPerMillion, long outputNanosPerMillion,
                                 long inputTokens, long cachedInputTokens, long outputTokens) {
        if (inputTokens < 0 || outputTokens < 0 || cachedInputTokens < 0 || cachedInputTokens > inputTokens) {
            throw new IllegalArgumentException("token counts must not be negative, and cached input tokens ("
                    + cachedInputTokens + ") are part of the input tokens (" + inputTokens + ")");
        }
        BigDecimal output = BigDecimal.valueOf(outputTokens).multiply(BigDecimal.valueOf(outputNanosPerMillion));
        BigDecimal uncachedInput = BigDecimal.valueOf(inputTokens - cachedInputTokens).multiply(BigDecimal.valueOf(inputNanosPerMillion));
        BigDecimal cachedInput = BigDecimal.valueOf(cachedInputTokens).multiply(BigDecimal.valueOf(cachedInputNanosPerMillion));
        long cost = toNanos(uncachedInput.add(cachedInput).add(output));
        long withoutCache = cachedInputTokens == 0 ? cost
                : toNanos(BigDecimal.valueOf(inputTokens).multiply(BigDecimal.valueOf(inputNanosPerMillion)).add(output));
        return new Charge(cost, withoutCache - cost, 0);
    }

    private static long toNanos(BigDecimal nanosTimesMillion) {
        return nanosTimesMillion.divide(MILLION, 0, RoundingMode.HALF_UP).longValueExact();
    }

    /** A call's cost, what the provider's prompt cache saved on it and what batch pricing saved, in nano-units. */
    public record Charge(long costNanos, long promptCacheSavedNanos, long batchSavedNanos) {
    }
}
