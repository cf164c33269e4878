package io.aijobs.devstack.modelstub;

import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * How long the model stub takes to answer. Parsed from a short spec:
 * <ul>
 *   <li>{@code fixed:200} — always 200 ms;</li>
 *   <li>{@code uniform:50-150} — uniform between 50 and 150 ms;</li>
 *   <li>{@code lognormal:200,0.5} — log-normal with median 200 ms and shape sigma 0.5 (heavy right tail, as
 *       real inference latencies have), capped at 20 times the median.</li>
 * </ul>
 */
public sealed interface LatencyDistribution {

    long sampleMillis(RandomGenerator random);

    record Fixed(long millis) implements LatencyDistribution {
        public Fixed {
            if (millis < 0) {
                throw new IllegalArgumentException("latency must be >= 0 ms, got " + millis);
            }
        }

        @Override
        public long sampleMillis(RandomGenerator random) {
            return millis;
        }
    }

    record Uniform(long minMillis, long maxMillis) implements LatencyDistribution {
        public Uniform {
            if (minMillis < 0 || maxMillis < minMillis) {
                throw new IllegalArgumentException("uniform latency needs 0 <= min <= max, got " + minMillis + "-" + maxMillis);
            }
        }

        @Override
        public long sampleMillis(RandomGenerator random) {
            return minMillis == maxMillis ? minMillis : random.nextLong(minMillis, maxMillis + 1);
        }
    }

    record LogNormal(long medianMillis, double sigma) implements LatencyDistribution {
        public LogNormal {
            if (medianMillis <= 0 || sigma < 0) {
                throw new IllegalArgumentException("lognormal latency needs median > 0 and sigma >= 0");
            }
        }

        @Override
        public long sampleMillis(RandomGenerator random) {
            double sample = medianMillis * Math.exp(sigma * random.nextGaussian());
            return Math.min(Math.round(sample), medianMillis * 20);
        }
    }

    static LatencyDistribution parse(String spec) {
        String[] kindAndArgs = spec.trim().toLowerCase(Locale.ROOT).split(":", 2);
        if (kindAndArgs.length != 2) {
            throw new IllegalArgumentException(usage(spec));
        }
        try {
            String args = kindAndArgs[1];
            switch (kindAndArgs[0]) {
                case "fixed":
                    return new Fixed(Long.parseLong(args));
                case "uniform": {
                    String[] bounds = args.split("-", 2);
                    return new Uniform(Long.parseLong(bounds[0]), Long.parseLong(bounds[1]));
                }
                case "lognormal": {
                    String[] parts = args.split(",", 2);
                    return new LogNormal(Long.parseLong(parts[0]), Double.parseDouble(parts[1]));
                }
                default:
                    throw new IllegalArgumentException(usage(spec));
            }
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            throw new IllegalArgumentException(usage(spec), e);
        }
    }

    private static String usage(String spec) {
        return "Invalid latency '" + spec + "'; expected fixed:MS, uniform:MIN-MAX or lognormal:MEDIAN_MS,SIGMA";
    }
}
