package io.aijobs.pricing;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A model's price: nano-units of currency per million input and output tokens (exact integers; 0.15 USD per
 * million tokens is 150,000,000).
 */
public record Price(long inputNanosPerMillion, long outputNanosPerMillion) {

    private static final BigDecimal NANOS = BigDecimal.valueOf(1_000_000_000L);
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000L);

    public Price {
        if (inputNanosPerMillion < 0 || outputNanosPerMillion < 0) {
            throw new IllegalArgumentException("prices must not be negative");
        }
    }

    /** From decimal currency amounts per million tokens, e.g. {@code "0.15"}; more than 9 decimals is an error. */
    public static Price perMillionTokens(String input, String output) {
        return new Price(toNanos(input), toNanos(output));
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

    /** Cost of one call in nano-units, rounded half-up once, from exact integer arithmetic. */
    public long costNanos(long inputTokens, long outputTokens) {
        BigDecimal total = BigDecimal.valueOf(inputTokens).multiply(BigDecimal.valueOf(inputNanosPerMillion))
                .add(BigDecimal.valueOf(outputTokens).multiply(BigDecimal.valueOf(outputNanosPerMillion)));
        return total.divide(MILLION, 0, RoundingMode.HALF_UP).longValueExact();
    }
}
