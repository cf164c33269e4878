package io.aijobs.processor.execution;

import io.aijobs.model.OpenAiBatchClient;
import io.aijobs.model.routing.Endpoint;
import io.aijobs.model.routing.ModelRouter;
import io.aijobs.processor.routing.RoutingConfig;
import io.aijobs.schema.JobPriority;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.TenantPolicy;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Which jobs go through a provider's batch interface, and the calls to it, for one processor instance: one
 * {@link OpenAiBatchClient} per endpoint of {@code batch.endpoints}, and two threads that make their calls (a handful
 * per batch: upload, create, follow, read answers), so that no stream thread ever waits on them.
 *
 * <p>A job goes through a batch when its model's route has a batch endpoint, its priority is BATCH or its tenant's
 * policy has {@code batchJobs}, and its deadline (if any) leaves {@code batch.max.wait.ms} plus the provider's
 * {@value #COMPLETION_WINDOW_TEXT} completion window: a deadline is a bound on the latency the job accepts. A member
 * whose deadline no longer leaves the window when its batch is submitted (the batch was held back) is called on its
 * own instead; an answer the provider gives after the deadline all the same is written, as a call's that ends after it
 * is. A deadline alone never sends a job to a batch: a far deadline is usually a safety net, not a wish to wait a day.
 */
public final class BatchRouting implements AutoCloseable {

    /** The metadata key under which each batch carries its key ({@code BatchState.key}) at the provider. */
    public static final String METADATA_KEY = "aijobs_batch";
    static final String COMPLETION_WINDOW_TEXT = "24h";
    /** The only completion window OpenAI's batch interface offers. */
    public static final Duration COMPLETION_WINDOW = Duration.ofHours(24);

    /**
     * @param endpoints      the endpoints whose service has the batch interface
     * @param maxJobs        most jobs in one batch
     * @param maxBytes       most bytes of requests (as received) in one batch
     * @param maxWait        longest the first job of a batch waits for others
     * @param pollInterval   how often a submitted batch is followed, and a failed operation tried again
     * @param commitInterval Kafka Streams' {@code commit.interval.ms}: a closed batch is submitted once a commit has
     *                       taken its closing in
     */
    public record Settings(List<RoutingConfig.EndpointSettings> endpoints, int maxJobs, long maxBytes, Duration maxWait,
                           Duration pollInterval, Duration commitInterval) {
        public Settings {
            endpoints = List.copyOf(endpoints);
            Objects.requireNonNull(maxWait, "maxWait");
            Objects.requireNonNull(pollInterval, "pollInterval");
            Objects.requireNonNull(commitInterval, "commitInterval");
            if (maxJobs < 1 || maxBytes < 1) {
                throw new IllegalArgumentException("maxJobs and maxBytes must be at least 1");
            }
        }

        /** No batch endpoint: every job is called on its own. */
        public static Settings none() {
            return new Settings(List.of(), 1_000, 16L << 20, Duration.ofMinutes(1), Duration.ofSeconds(30), Duration.ofMillis(100));
        }

        /**
         * How long a task's new owner waits before it submits a batch it took up as SUBMITTING: longer than a submission
         * of the previous owner can last (three requests, each bounded by its endpoint's timeout), so that a batch that
         * owner is still creating shows at the provider when the new owner looks for it.
         */
        public Duration takeoverDelay() {
            Duration longest = endpoints.stream().map(RoutingConfig.EndpointSettings::timeout).max(Duration::compareTo).orElse(Duration.ZERO);
            return longest.multipliedBy(3).plusSeconds(5);
        }
    }

    /** What a batch operation came to, handed from its thread to the stream thread of the batch's task. */
    sealed interface Outcome permits Submitted, Polled, Failed {
        String batchKey();
    }

    /**
     * The batch exists at the provider. {@code adoptedIds}: it was found by its metadata, created before a crash or a
     * lost answer, and these are the {@code custom_id}s it was created with; empty when this operation created it.
     */
    record Submitted(String batchKey, OpenAiBatchClient.Batch batch, Optional<List<String>> adoptedIds) implements Outcome {
    }

    /** The batch as the provider shows it, and its answers once it has ended (none before). */
    record Polled(String batchKey, OpenAiBatchClient.Batch batch, List<OpenAiBatchClient.Result> results) implements Outcome {
    }

    /** The operation ({@code submit} or {@code poll}) failed; {@link OpenAiBatchClient.RejectedException} when for good. */
    record Failed(String batchKey, String operation, IOException error) implements Outcome {
    }

    private final Settings settings;
    private final ModelRouter router;
    private final Map<String, OpenAiBatchClient> clients = new LinkedHashMap<>();
    private final ExecutorService executor;

    public BatchRouting(Settings settings, ModelRouter router) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.router = Objects.requireNonNull(router, "router");
        for (RoutingConfig.EndpointSettings endpoint : settings.endpoints()) {
            clients.put(endpoint.name(), new OpenAiBatchClient(endpoint.target().baseUrl(), endpoint.target().apiKey(), endpoint.timeout()));
        }
        this.executor = clients.isEmpty() ? null : Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "aijobs-batches");
            thread.setDaemon(true);
            return thread;
        });
    }

    public static BatchRouting none(ModelRouter router) {
        return new BatchRouting(Settings.none(), router);
    }

    public boolean enabled() {
        return !clients.isEmpty();
    }

    Settings settings() {
        return settings;
    }

    /** Whether {@code endpoint} is one of {@code batch.endpoints}. */
    boolean serves(String endpoint) {
        return clients.containsKey(endpoint);
    }

    /** The first endpoint of {@code model}'s route that has the batch interface. */
    Optional<String> endpointFor(String model) {
        return router.route(model).flatMap(route -> route.endpoints().stream().map(Endpoint::name).filter(clients::containsKey).findFirst());
    }

    /** Whether {@code job}, arriving at {@code now}, goes through a batch (see the class comment). */
    boolean eligible(JobRequest job, TenantPolicy policy, long now) {
        if (!enabled()) {
            return false;
        }
        boolean asked = job.getPriority() == JobPriority.BATCH || (policy != null && policy.getBatchJobs());
        if (!asked || endpointFor(job.getModel()).isEmpty()) {
            return false;
        }
        return job.getDeadline() == null
                || !job.getDeadline().isBefore(Instant.ofEpochMilli(now).plus(settings.maxWait()).plus(COMPLETION_WINDOW));
    }

    /**
     * Finds the batch tagged {@code batchKey} at the provider, else uploads {@code requests} and creates it: a batch
     * whose creation was not recorded (a crash, a lost answer) is never created twice.
     */
    CompletableFuture<Outcome> submit(String endpoint, String batchKey, List<OpenAiBatchClient.Request> requests) {
        OpenAiBatchClient client = clients.get(endpoint);
        return async(batchKey, "submit", () -> {
            Optional<OpenAiBatchClient.Batch> existing;
            List<String> ids;
            try {
                existing = client.findByMetadata(METADATA_KEY, batchKey);
                ids = existing.isPresent() ? client.requestIds(existing.get()) : List.of();
            } catch (OpenAiBatchClient.RejectedException e) {
                // a refusal to list or to read does not say that no batch exists: tried again, never taken for a "no"
                return new Failed(batchKey, "submit", new IOException(e.getMessage(), e));
            }
            if (existing.isPresent()) {
                return new Submitted(batchKey, existing.get(), Optional.of(ids));
            }
            String file = client.upload(requests);
            return new Submitted(batchKey, client.create(file, Map.of(METADATA_KEY, batchKey)), Optional.empty());
        });
    }

    /** The batch as the provider shows it now, with its answers if it has ended. */
    CompletableFuture<Outcome> poll(String endpoint, String batchKey, String batchId) {
        OpenAiBatchClient client = clients.get(endpoint);
        return async(batchKey, "poll", () -> {
            OpenAiBatchClient.Batch batch;
            try {
                batch = client.get(batchId);
            } catch (OpenAiBatchClient.RejectedException e) {
                // the provider does not know the batch (404 after a self-hosted server's restart): lost; other refusals
                // (401, 403: a key being rotated) are tried again
                return new Failed(batchKey, "poll", e.status() == 404 ? e : new IOException(e.getMessage(), e));
            }
            try {
                return new Polled(batchKey, batch, batch.status().ended() ? client.results(batch) : List.of());
            } catch (OpenAiBatchClient.RejectedException e) {
                // its files cannot be read now; the batch exists and may have run: tried again, never given up
                return new Failed(batchKey, "poll", new IOException(e.getMessage(), e));
            }
        });
    }

    /** An operation's calls to the provider. */
    private interface Operation {
        Outcome run() throws IOException, InterruptedException;
    }

    /**
     * Runs the operation on the batch threads. Any failure, unchecked ones too, ends as its {@link Failed} outcome: the
     * task never waits on an operation that will not report.
     */
    private CompletableFuture<Outcome> async(String batchKey, String operation, Operation calls) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return calls.run();
            } catch (IOException e) {
                return (Outcome) new Failed(batchKey, operation, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Failed(batchKey, operation, new IOException("interrupted"));
            }
        }, executor).handle((outcome, error) -> error == null ? outcome
                : new Failed(batchKey, operation, new IOException(String.valueOf(error.getMessage()), error)));
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
