package io.aijobs.devstack.modelstub;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of the {@link ModelStub}.
 *
 * @param port          port on 127.0.0.1; 0 picks a free one
 * @param latency       how long a normal answer takes
 * @param faultRates    probability of each fault per request (0..1, summing to at most 1)
 * @param retryAfter    the {@code Retry-After} a 429 carries
 * @param hangTime      how long a {@link Fault#TIMEOUT} keeps the request open before closing it unanswered
 * @param apiKey        when present, requests must carry {@code Authorization: Bearer <apiKey>}
 * @param seed          seed of the random source, for repeatable runs
 * @param maxConcurrent when above 0, a request arriving while this many are open is answered at once with HTTP 429
 *                      and no {@code Retry-After}, as a server with a concurrency limit does; 0 for no limit
 * @param promptCache   when true, the stub reports cached input tokens as a provider's prompt cache would: a request whose
 *                      messages before its last one were the messages before the last of an earlier request of the same
 *                      model has their tokens reported as {@code usage.prompt_tokens_details.cached_tokens}
 * @param batches       how the batch interface ({@code /v1/files}, {@code /v1/batches}) ends a batch
 */
public record ModelStubConfig(int port, LatencyDistribution latency, Map<Fault, Double> faultRates,
                              Duration retryAfter, Duration hangTime, Optional<String> apiKey, long seed, int maxConcurrent,
                              boolean promptCache, BatchBehaviour batches) {

    public ModelStubConfig {
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(retryAfter, "retryAfter");
        Objects.requireNonNull(hangTime, "hangTime");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(batches, "batches");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        if (maxConcurrent < 0) {
            throw new IllegalArgumentException("maxConcurrent must be 0 (no limit) or more, got " + maxConcurrent);
        }
        faultRates = Map.copyOf(Objects.requireNonNull(faultRates, "faultRates"));
        double total = 0;
        for (Map.Entry<Fault, Double> rate : faultRates.entrySet()) {
            if (rate.getValue() < 0 || rate.getValue() > 1) {
                throw new IllegalArgumentException("fault rate of " + rate.getKey() + " must be within 0..1");
            }
            total += rate.getValue();
        }
        if (total > 1.0 + 1e-9) {
            throw new IllegalArgumentException("fault rates sum to " + total + "; they must sum to at most 1");
        }
    }

    /** A stub on a free port answering in a fixed 20 ms without faults. */
    public static ModelStubConfig defaults() {
        return new ModelStubConfig(0, new LatencyDistribution.Fixed(20), Map.of(), Duration.ofSeconds(1),
                Duration.ofSeconds(120), Optional.empty(), 42L, 0, false, BatchBehaviour.defaults());
    }

    public ModelStubConfig withPort(int newPort) {
        return new ModelStubConfig(newPort, latency, faultRates, retryAfter, hangTime, apiKey, seed, maxConcurrent, promptCache, batches);
    }

    public ModelStubConfig withLatency(LatencyDistribution newLatency) {
        return new ModelStubConfig(port, newLatency, faultRates, retryAfter, hangTime, apiKey, seed, maxConcurrent, promptCache, batches);
    }

    public ModelStubConfig withFaultRates(Map<Fault, Double> newRates) {
        return new ModelStubConfig(port, latency, newRates, retryAfter, hangTime, apiKey, seed, maxConcurrent, promptCache, batches);
    }

    public ModelStubConfig withRetryAfter(Duration newRetryAfter) {
        return new ModelStubConfig(port, latency, faultRates, newRetryAfter, hangTime, apiKey, seed, maxConcurrent, promptCache, batches);
    }

    public ModelStubConfig withHangTime(Duration newHangTime) {
        return new ModelStubConfig(port, latency, faultRates, retryAfter, newHangTime, apiKey, seed, maxConcurrent, promptCache, batches);
    }

    public ModelStubConfig withApiKey(String key) {
        return new ModelStubConfig(port, latency, faultRates, retryAfter, hangTime, Optional.of(key), seed, maxConcurrent, promptCache, batches);
    }

    public ModelStubConfig withMaxConcurrent(int limit) {
        return new ModelStubConfig(port, latency, faultRates, retryAfter, hangTime, apiKey, seed, limit, promptCache, batches);
    }

    public ModelStubConfig withPromptCache(boolean enabled) {
        return new ModelStubConfig(port, latency, faultRates, retryAfter, hangTime, apiKey, seed, maxConcurrent, enabled, batches);
    }

    public ModelStubConfig withBatches(BatchBehaviour behaviour) {
        return new ModelStubConfig(port, latency, faultRates, retryAfter, hangTime, apiKey, seed, maxConcurrent, promptCache, behaviour);
    }
}
