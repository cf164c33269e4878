package io.aijobs.benchmarks;

import io.aijobs.contracts.TopicCatalog;
import io.aijobs.contracts.Topics;
import io.aijobs.devstack.DevStack;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.StackSettings;
import io.aijobs.devstack.modelstub.LatencyDistribution;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.processor.ProcessorApp;
import io.aijobs.model.OpenAiModelClient;
import io.aijobs.producer.JobPublisher;
import io.aijobs.serde.AvroSerdeConfig;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The processor's benchmarks, each a ratio against a baseline measured in the same run on the same machine:
 * <ul>
 *   <li>B1 concurrency: model latency 200 ms; the processor ({@code max.in.flight} 256) against the same work done
 *       by a Streams app that waits for each call on its stream thread.</li>
 *   <li>B2 overhead: model latency 0; the processor against an exactly-once pass-through of the same Avro jobs.</li>
 *   <li>B3 latency: at half the B1 rate, time from submission to a result visible to {@code read_committed},
 *       minus the model latency.</li>
 *   <li>B4 noisy neighbour: a steady tenant's end-to-end latency while another tenant's burst fills every call slot,
 *       against the same tenant's latency with the other idle; and the bursting tenant's rate with the steady one
 *       idle, against B1's single-tenant rate.</li>
 *   <li>B5 provider limit: a stub that answers 429 above 100 open calls, through an adaptive endpoint and through a
 *       fixed one of 256, in the same run: calls open at the stub, 429s, throughput.</li>
 *   <li>B6 response cache hits: jobs answered from a tenant's cache, against B2's processor rate.</li>
 *   <li>B7 batch routing: the same jobs through the stub's batch interface and by a call each: cost and results per
 *       hour.</li>
 *   <li>Memory: RSS of a processor JVM with 10,000 calls in flight.</li>
 * </ul>
 * Starts its own broker and registry (free ports), writes the report to {@code docs/benchmarks.md}.
 */
public final class ProcessorBenchmark {

    /**
     * The memory run's heap, sized for a 512 MiB budget: about 170 MiB of the process lives outside the heap
     * (metaspace, code cache, GC structures, RocksDB, NIO buffers). Measured: -Xmx512m let the RSS reach 540 MiB,
     * -Xmx256m holds 10,000 calls in flight at about 430 MiB with no OutOfMemoryError.
     */
    private static final String MEMORY_HEAP = "-Xmx256m";
    /** The heading of the section {@code ./benchmarks/run-aggregator} writes into the same report. */
    static final String AGGREGATOR_SECTION = "## Cost aggregator";

    private final StackEndpoints stack;
    private final List<String> report = new ArrayList<>();

    /** Rounds per figure, and a fixed job count per throughput run (0: scaled to each run's rate, see {@link RateSeries}). */
    private final int rounds;
    private final int fixedJobs;
    /** B8's remembered jobs, for the report's note. */
    private long remembered = RECOVERY_REMEMBERED_DEFAULT;

    private ProcessorBenchmark(StackEndpoints stack, int rounds, int fixedJobs) {
        this.stack = stack;
        this.rounds = rounds;
        this.fixedJobs = fixedJobs;
    }

    /** Fewest and most jobs of a throughput run. */
    static final int LEAST_JOBS = 5_000;
    static final int MOST_JOBS = 3_000_000;

    /** B1's ceiling: {@code max.in.flight} calls of {@link #B1_MODEL_MS} each, at once. */
    static final int B1_IN_FLIGHT = 256;
    static final int B1_MODEL_MS = 200;
    static final double B1_CEILING = B1_IN_FLIGHT * 1000.0 / B1_MODEL_MS;

    private RateSeries series(double firstEstimate) {
        return new RateSeries(firstEstimate, fixedJobs, LEAST_JOBS, MOST_JOBS);
    }

    public static void main(String[] args) throws Exception {
        int jobs = 0;
        int rounds = Rounds.DEFAULT;
        int memoryJobs = 10_000;
        long remembered = RECOVERY_REMEMBERED_DEFAULT;
        Path out = Path.of("docs", "benchmarks.md");
        boolean outGiven = false;
        java.util.Set<String> only = java.util.Set.of("b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "memory");
        boolean subset = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jobs" -> jobs = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--memory-jobs" -> memoryJobs = Integer.parseInt(args[++i]);
                case "--remembered" -> remembered = Long.parseLong(args[++i]);
                case "--out" -> {
                    out = Path.of(args[++i]);
                    outGiven = true;
                }
                case "--only" -> {
                    only = java.util.Set.of(args[++i].toLowerCase(java.util.Locale.ROOT).split(","));
                    subset = true;
                }
                default -> {
                    System.err.println("Usage: ProcessorBenchmark [--rounds N] [--jobs N] [--memory-jobs N] [--remembered N] [--only b1,b2,b3,b4,b5,b6,b7,b8,memory] [--out FILE]");
                    System.exit(2);
                }
            }
        }
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "bench-stack-");
        try (DevStack devStack = DevStack.up(StackSettings.ephemeral(dir), false, System.out::println)) {
            // Ctrl-C or kill: do not leave the broker and registry running
            Runtime.getRuntime().addShutdownHook(new Thread(devStack::close, "bench-stack-shutdown"));
            ProcessorBenchmark bench = new ProcessorBenchmark(devStack.endpoints(), rounds, jobs);
            bench.run(memoryJobs, remembered, only);
            // a partial run is printed; it replaces the report only when asked to
            if (!subset || outGiven) {
                bench.write(out, memoryJobs);
            }
        }
        System.exit(0);
    }

    /** B4, B5 and B7's workload: jobs per burst, per provider run (half) and per cost run; {@code --jobs} sets it too. */
    static final int WORKLOAD_JOBS = 20_000;

    private void run(int memoryJobs, long remembered, java.util.Set<String> only) throws Exception {
        this.remembered = remembered;
        int workload = fixedJobs > 0 ? fixedJobs : WORKLOAD_JOBS;
        double ours = 0;
        if (only.contains("b1") || only.contains("b3") || only.contains("b4")) {
            ours = concurrency(only.contains("b1"));
        }
        if (only.contains("b2")) {
            overhead();
        }
        if (only.contains("b3")) {
            latency(ours);
        }
        if (only.contains("b4")) {
            noisyNeighbour(ours, workload);
        }
        if (only.contains("b5")) {
            providerLimit(workload / 2);
        }
        if (only.contains("b6")) {
            cacheHits();
        }
        if (only.contains("b7")) {
            batchRouting(workload);
        }
        if (only.contains("b8")) {
            recovery(remembered);
        }
        if (only.contains("memory")) {
            memory(memoryJobs);
        }
        report.forEach(System.out::println);
    }

    /** B1 in rounds (with {@code baselines}: each round runs the processor and its three baselines); returns the median rate. */
    private double concurrency(boolean baselines) throws Exception {
        RateSeries ours = series(B1_CEILING);
        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Fixed(B1_MODEL_MS)))) {
            if (!baselines) {
                ours.measure("B1 processor", jobs -> processorRate(stub, jobs, B1_IN_FLIGHT));
                return ours.rates.median();
            }
            Rounds blocking = new Rounds();
            RateSeries pcAsync = series(B1_CEILING);
            RateSeries pcTransactional = series(B1_CEILING);
            Rounds ceiling = new Rounds();
            for (int round = 1; round <= rounds; round++) {
                System.out.println("B1 round " + round + " of " + rounds);
                blocking.add(blockingRate(stub, Duration.ofSeconds(30)));
                ours.measure("B1 processor", jobs -> processorRate(stub, jobs, B1_IN_FLIGHT));
                pcAsync.measure("B1 Parallel Consumer async", jobs -> parallelConsumerRate(stub, jobs, "async"));
                pcTransactional.measure("B1 Parallel Consumer transactional", jobs -> parallelConsumerRate(stub, jobs, "transactional"));
                ceiling.add(B1_CEILING);
            }
            report.add(String.format("| B1 concurrency (model %d ms) | processor, max.in.flight %d: **%s jobs/s** | blocking Streams, 1 thread: %s jobs/s | %s | >= 100x |",
                    B1_MODEL_MS, B1_IN_FLIGHT, ours.rates.range("%.0f"), blocking.range("%.1f"), ours.rates.over(blocking).ratioCell("%.0fx", r -> r)));
            report.add(String.format("| B1 against its ceiling | processor: %s jobs/s | the concurrency limit: %d calls / %d ms = %.0f jobs/s | %s | >= 95%% |",
                    ours.rates.range("%.0f"), B1_IN_FLIGHT, B1_MODEL_MS, B1_CEILING, ours.rates.over(ceiling).ratioCell("%.0f%%", r -> 100 * r)));
            report.add(String.format("| B1 vs Parallel Consumer 0.5.3.3, concurrency %d | processor (exactly-once): %s jobs/s | PERIODIC_CONSUMER_ASYNCHRONOUS (no exactly-once): %s jobs/s | %s | >= 0.9x |",
                    B1_IN_FLIGHT, ours.rates.range("%.0f"), pcAsync.rates.range("%.0f"), ours.rates.over(pcAsync.rates).ratioCell("%.2fx", r -> r)));
            report.add(String.format("| | | PERIODIC_TRANSACTIONAL_PRODUCER (exactly-once): %s jobs/s | %s | >= 2x |",
                    pcTransactional.rates.range("%.0f"), ours.rates.over(pcTransactional.rates).ratioCell("%.2fx", r -> r)));
        }
        return ours.rates.median();
    }

    /** Jobs of B2's warm-up runs (processor, model client) and of the pass-through's. */
    static final int B2_WARM_UP_JOBS = 10_000;
    static final int B2_WARM_UP_PASS_THROUGH_JOBS = 50_000;

    /** B2 in rounds. */
    private void overhead() throws Exception {
        RateSeries ours;
        RateSeries modelOnly;
        RateSeries passThrough;
        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Fixed(0)))) {
            // A warm-up round of each first (the JIT compiler took half a core during a cold run), which also gives each
            // its first estimate of its rate
            System.out.println("B2 warm-up round (not measured)");
            ours = series(processorRate(stub, B2_WARM_UP_JOBS, 256));
            modelOnly = series(modelCallRate(stub, B2_WARM_UP_JOBS, 256));
            passThrough = series(passThroughRate(B2_WARM_UP_PASS_THROUGH_JOBS));
            for (int round = 1; round <= rounds; round++) {
                System.out.println("B2 round " + round + " of " + rounds);
                ours.measure("B2 processor", jobs -> processorRate(stub, jobs, 256));
                modelOnly.measure("B2 model calls alone", calls -> modelCallRate(stub, calls, 256));
                passThrough.measure("B2 pass-through", jobs -> passThroughRate(jobs));
            }
        }
        report.add(String.format("| B2 overhead (model 0 ms) | processor: **%s jobs/s** | the same calls from the processor's model client, no Kafka, 256 in flight: %s calls/s | %s | >= 60%% |",
                ours.rates.range("%.0f"), modelOnly.rates.range("%.0f"), ours.rates.over(modelOnly.rates).ratioCell("%.0f%%", r -> 100 * r)));
        report.add(String.format("| B2 context: a pass-through | processor: %s jobs/s | exactly_once_v2 pass-through of the same jobs: %s jobs/s | %s | (none) |",
                ours.rates.range("%.0f"), passThrough.rates.range("%.0f"), ours.rates.over(passThrough.rates).ratioCell("%.0f%%", r -> 100 * r)));
    }

    /** B6 in rounds, each against a run of the processor answering the same number of jobs by calls, in the same round. */
    private void cacheHits() throws Exception {
        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Fixed(0)))) {
            System.out.println("B6 warm-up round (not measured)");
            RateSeries calls = series(processorRate(stub, B2_WARM_UP_JOBS, 256));
            RateSeries hits = series(CacheHitBenchmark.run(stack, stub, B2_WARM_UP_JOBS).rate());
            long[] mostCalls = {0};
            for (int round = 1; round <= rounds; round++) {
                System.out.println("B6 round " + round + " of " + rounds);
                calls.measure("B6 processor, a call per job", jobs -> processorRate(stub, jobs, 256));
                hits.measure("B6 cache hits", count -> {
                    CacheHitBenchmark.Hits run = CacheHitBenchmark.run(stack, stub, count);
                    mostCalls[0] = Math.max(mostCalls[0], run.calls());
                    return run.rate();
                });
            }
            report.add(String.format("| B6 response cache hits | jobs asking one question already answered, from the tenant's cache (%s per round): **%s jobs/s**, at most %d model call per round | the processor answering by a call per job (model 0 ms), same round: %s jobs/s | %s | (none) |",
                    hits.records(), hits.rates.range("%.0f"), mostCalls[0], calls.rates.range("%.0f"), hits.rates.over(calls.rates).ratioCell("%.2fx", r -> r)));
        }
    }

    /** B7: the same jobs through the stub's batch interface and by a call each (see {@link BatchBenchmark}); one round. */
    private void batchRouting(int jobs) throws Exception {
        BatchBenchmark.Run alone = BatchBenchmark.run(stack, jobs, false);
        BatchBenchmark.Run batched = BatchBenchmark.run(stack, jobs, true);
        report.add(String.format("| B7 batch routing, cost | %d jobs of priority BATCH through `/v1/batches` (%d batches, %d calls on their own): **%s USD spent**, %s USD saved | the same jobs, a call each: %s USD | **%.2fx** (saved = difference: %s) | (none) |",
                jobs, batched.batchesCreated(), batched.callsAlone(), usd(batched.spentNanos()), usd(batched.batchSavedNanos()),
                usd(alone.spentNanos()), (double) batched.spentNanos() / alone.spentNanos(),
                batched.batchSavedNanos() == alone.spentNanos() - batched.spentNanos() ? "exactly" : "NO"));
        report.add(String.format("| B7 batch routing, results per hour (one round: context) | through batches, the stub ending each %d s after its creation: %.0f results/h | a call each, model 0 ms: %.0f results/h | %.2fx | (none) |",
                BatchBenchmark.COMPLETION_DELAY.toSeconds(), batched.resultsPerHour(), alone.resultsPerHour(),
                batched.resultsPerHour() / alone.resultsPerHour()));
    }

    /** B8 in rounds: a task's recovery with {@code remembered} finished jobs in its partition, against the same with none. */
    private void recovery(long remembered) throws Exception {
        Rounds coldNone = new Rounds();
        Rounds coldMany = new Rounds();
        Rounds warmNone = new Rounds();
        Rounds warmMany = new Rounds();
        Rounds coldManyAll = new Rounds();
        Rounds upgradeMany = new Rounds();
        Rounds findIndexed = new Rounds();
        Rounds findScanned = new Rounds();
        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Fixed(0)))) {
            System.out.println("B8 warm-up run (not measured)");
            RecoveryBenchmark.run(stack, stub, 0, RECOVERY_IN_FLIGHT, RECOVERY_QUEUED, true);
            for (int round = 1; round <= rounds; round++) {
                System.out.println("B8 round " + round + " of " + rounds);
                RecoveryBenchmark.Run none = RecoveryBenchmark.run(stack, stub, 0, RECOVERY_IN_FLIGHT, RECOVERY_QUEUED, true);
                RecoveryBenchmark.Run many = RecoveryBenchmark.run(stack, stub, remembered, RECOVERY_IN_FLIGHT, RECOVERY_QUEUED, true);
                RecoveryBenchmark.Run upgrade = RecoveryBenchmark.run(stack, stub, remembered, RECOVERY_IN_FLIGHT, RECOVERY_QUEUED, false);
                coldNone.add(none.cold().firstResultSeconds());
                warmNone.add(none.warm().firstResultSeconds());
                coldMany.add(many.cold().firstResultSeconds());
                coldManyAll.add(many.cold().allResultsSeconds());
                warmMany.add(many.warm().firstResultSeconds());
                upgradeMany.add(upgrade.cold().firstResultSeconds());
                findIndexed.add(1000 * many.cold().findSeconds());
                findScanned.add(1000 * upgrade.cold().findSeconds());
            }
        }
        report.add(String.format("| B8 recovery, cold: empty local state (after kill -9), %,d remembered jobs in the partition, %d calls open and %d jobs queued at the crash | processor start -> first result **%s s**; every unfinished job and a new one answered %s s | the same with no remembered jobs: %s s | %s | <= 15 s |",
                remembered, RECOVERY_IN_FLIGHT, RECOVERY_QUEUED, coldMany.range("%.1f"), coldManyAll.range("%.1f"), coldNone.range("%.1f"),
                coldMany.over(coldNone).ratioCell("%.2fx", r -> r)));
        report.add(String.format("| B8 recovery, warm: local state kept (a clean restart, or a standby taking over), the same jobs | processor start -> first result **%s s** | the same with no remembered jobs: %s s | %s | <= 15 s |",
                warmMany.range("%.1f"), warmNone.range("%.1f"), warmMany.over(warmNone).ratioCell("%.2fx", r -> r)));
        report.add(String.format("| B8 first start after an upgrade to the index: cold, the same jobs, no index yet (built from a scan of every job) | processor start -> first result **%s s** | cold with the index: %s s | %s | <= 15 s |",
                upgradeMany.range("%.1f"), coldMany.range("%.1f"), upgradeMany.over(coldMany).ratioCell("%.2fx", r -> r)));
        report.add(String.format("| B8 the task's own time to find its unfinished jobs (`aijobs_task_recovery_seconds_max`) | through the index, cold: **%s ms** | a scan of every job (the first start after the upgrade): %s ms | %s | (none) |",
                findIndexed.range("%.0f"), findScanned.range("%.0f"), findIndexed.over(findScanned).ratioCell("%.3fx", r -> r)));
    }

    static final long RECOVERY_REMEMBERED_DEFAULT = 1_000_000;
    static final int RECOVERY_IN_FLIGHT = 256;
    static final int RECOVERY_QUEUED = 1_000;

    private static String usd(long nanos) {
        return java.math.BigDecimal.valueOf(nanos, 9).toPlainString();
    }

    /** The HTTP side of B2 by itself: the processor's model client calling the stub, as fast as 256 in flight allow. */
    private double modelCallRate(ModelStub stub, int calls, int concurrency) throws Exception {
        BenchScenario scenario = new BenchScenario(stack);
        try (OpenAiModelClient model = new OpenAiModelClient(stub.baseUrl(), Optional.empty(), Duration.ofSeconds(60),
                Duration.ofSeconds(5), concurrency, 1, Clock.systemUTC())) {
            java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(concurrency);
            java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
            long[] ends = new long[calls];
            for (int i = 0; i < calls; i++) {
                slots.acquire();
                int index = i;
                model.complete(scenario.job(i), "call-" + i).whenComplete((outcome, error) -> {
                    if (error != null || !(outcome instanceof io.aijobs.model.ModelOutcome.Success)) {
                        failures.incrementAndGet();
                    }
                    ends[index] = System.nanoTime();
                    slots.release();
                });
            }
            slots.acquire(concurrency);
            if (failures.get() > 0) {
                throw new IllegalStateException(failures.get() + " of " + calls + " model calls failed");
            }
            // the same window as the Kafka rates: 10th to 90th percentile of completions
            long[] sorted = ends.clone();
            java.util.Arrays.sort(sorted);
            long from = sorted[calls / 10];
            long to = sorted[calls * 9 / 10];
            double rate = (calls * 0.8) / ((to - from) / 1e9);
            System.out.printf("model client alone: %d calls, %.0f calls/s%n", calls, rate);
            return rate;
        }
    }

    /** B3 in rounds, each 30 s at half of B1's rate. */
    private void latency(double ours) throws Exception {
        Rounds p50 = new Rounds();
        Rounds p99 = new Rounds();
        long max = 0;
        long jobs = 0;
        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Fixed(B1_MODEL_MS)))) {
            for (int round = 1; round <= rounds; round++) {
                System.out.println("B3 round " + round + " of " + rounds);
                Histogram overhead = latencyAt(stub, ours / 2, Duration.ofSeconds(30));
                p50.add(overhead.getValueAtPercentile(50));
                p99.add(overhead.getValueAtPercentile(99));
                max = Math.max(max, overhead.getMaxValue());
                jobs += overhead.getTotalCount();
            }
        }
        report.add(String.format("| B3 latency at %.0f jobs/s (half of B1), %d rounds of 30 s | result visible - submitted - model latency: p99 **%s ms**, p50 %s ms, max %d ms (%d jobs in all) | | p99 rounds: %s | p99 <= 300 ms |",
                ours / 2, rounds, p99.range("%.0f"), p50.range("%.0f"), max, jobs, p99.each("%.0f ms", v -> v)));
    }

    /** The steady tenant's load in B4, and the length of its windows. */
    static final double STEADY_RATE = 20;
    static final Duration STEADY_WARM_UP = Duration.ofSeconds(10);
    static final Duration STEADY_ALONE = Duration.ofSeconds(30);

    /** B4's rounds at the default settings: the row gives the median round and every round's ratio. */
    static final int B4_ROUNDS = 3;

    /** The per-tenant intake bound of the second B4 run: the burst goes past it. */
    static final int B4_SMALL_INTAKE_BOUND = 1_000;

    /** What one B4 run saw of the steady tenant: alone, then during the burst. */
    record NeighbourRun(Histogram alone, Histogram during, double burstRate, double burstSeconds) {
        double ratio() {
            return (double) during.getValueAtPercentile(99) / alone.getValueAtPercentile(99);
        }
    }

    /**
     * B4. One processor (max.in.flight 256, model 200 ms), two tenants. The steady tenant publishes 20 jobs/s all along:
     * first {@link #STEADY_ALONE} with the other tenant idle (its baseline), then while the other tenant publishes
     * {@code burst} jobs at once, until the last of them has its result. Compared: the steady tenant's p99 end-to-end
     * latency (submitted to visible to a read_committed consumer) for jobs submitted in each window. {@link #B4_ROUNDS}
     * rounds with the default intake bound (the burst is taken in at once), then one with {@link #B4_SMALL_INTAKE_BOUND}
     * (the burst goes past it).
     * Then the bursting tenant alone, the steady one idle, against B1's rate of the same run.
     */
    private void noisyNeighbour(double singleTenantRate, int burst) throws Exception {
        io.aijobs.contracts.TenantId steadyTenant = io.aijobs.contracts.TenantId.of("steady");
        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Fixed(200)))) {
            List<NeighbourRun> rounds = new ArrayList<>();
            for (int round = 0; round < B4_ROUNDS; round++) {
                rounds.add(neighbourRun(stub, steadyTenant, burst, Map.of()));
            }
            List<NeighbourRun> byRatio = rounds.stream().sorted(java.util.Comparator.comparingDouble(NeighbourRun::ratio)).toList();
            NeighbourRun below = byRatio.get(byRatio.size() / 2);
            String roundRatios = rounds.stream().map(r -> String.format("%.2fx", r.ratio())).collect(java.util.stream.Collectors.joining(", "));
            NeighbourRun past = neighbourRun(stub, steadyTenant, burst, Map.of(
                    io.aijobs.processor.ProcessorConfig.BACKPRESSURE_QUEUED_JOBS_PER_TENANT_CONFIG, Integer.toString(B4_SMALL_INTAKE_BOUND)));
            double aloneRate = processorRate(stub, burst, 256, java.util.Optional.of(steadyTenant));
            report.add(String.format("| B4 noisy neighbour: steady tenant at %.0f jobs/s, the other bursts %d jobs (model 200 ms, max.in.flight 256); the median of %d rounds | steady tenant's end-to-end p99 during the burst (%.0f s): **%d ms** (p50 %d, max %d; %d jobs) | the same tenant with the other idle: p99 %d ms (p50 %d; %d jobs) | **%.2fx** (rounds: %s) | <= 1.5x |",
                    STEADY_RATE, burst, B4_ROUNDS, below.burstSeconds(), below.during().getValueAtPercentile(99), below.during().getValueAtPercentile(50),
                    below.during().getMaxValue(), below.during().getTotalCount(), below.alone().getValueAtPercentile(99),
                    below.alone().getValueAtPercentile(50), below.alone().getTotalCount(), below.ratio(), roundRatios));
            report.add(String.format("| B4 past the intake bound: the same, with backpressure.queued.jobs.per.tenant %d (the burst's tenant gets %.0f jobs/s) | steady tenant's p99 during the burst (%.0f s): **%d ms** (p50 %d, max %d) | the same tenant with the other idle: p99 %d ms | **%.2fx** | (none) |",
                    B4_SMALL_INTAKE_BOUND, past.burstRate(), past.burstSeconds(), past.during().getValueAtPercentile(99),
                    past.during().getValueAtPercentile(50), past.during().getMaxValue(), past.alone().getValueAtPercentile(99), past.ratio()));
            report.add(String.format("| B4 work-conserving: the bursting tenant alone, the steady one idle | **%.0f jobs/s** | B1, one tenant: %.0f jobs/s | **%.0f%%** | >= 95%% |",
                    aloneRate, singleTenantRate, 100 * aloneRate / singleTenantRate));
        }
    }

    private NeighbourRun neighbourRun(ModelStub stub, io.aijobs.contracts.TenantId steadyTenant, int burst,
                                      Map<String, String> settings) throws Exception {
        BenchScenario scenario = new BenchScenario(stack);
        scenario.addTenant(steadyTenant);
        Map<String, Object> config = scenario.processorConfig(stub.baseUrl(), 256);
        config.putAll(settings);
        try (BenchScenario.ResultWatcher steady = scenario.new ResultWatcher(scenario.names.results(steadyTenant), true);
             // counted only: decoding the burst's 20,000 results would take the two cores from what is measured
             BenchScenario.ResultWatcher bursty = scenario.new ResultWatcher(scenario.names.results(scenario.tenant), false);
             ProcessorApp app = ProcessorApp.start(config);
             JobPublisher publisher = scenario.publisher()) {
            BenchScenario.awaitRunning(app.streams(), Duration.ofSeconds(120));
            java.util.concurrent.atomic.AtomicBoolean publishing = new java.util.concurrent.atomic.AtomicBoolean(true);
            java.util.concurrent.atomic.AtomicInteger published = new java.util.concurrent.atomic.AtomicInteger();
            Thread load = new Thread(() -> {
                long begin = System.nanoTime();
                for (int i = 0; publishing.get(); i++) {
                    long wait = begin + (long) (i * 1e9 / STEADY_RATE) - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                    publisher.publish(scenario.job(steadyTenant, "steady-" + i, i));
                    published.incrementAndGet();
                }
                publisher.flush();
            }, "b4-steady-load");
            load.start();
            Thread.sleep(STEADY_WARM_UP.toMillis());
            long aloneFrom = System.currentTimeMillis();
            Thread.sleep(STEADY_ALONE.toMillis());
            long burstFrom = System.currentTimeMillis();
            scenario.preload(scenario.tenant, burst);
            System.out.printf("B4 %s: the burst of %d jobs was published and acknowledged in %d ms%n", settings, burst,
                    System.currentTimeMillis() - burstFrom);
            bursty.awaitCount(burst, Duration.ofMinutes(10));
            long burstTo = System.currentTimeMillis();
            publishing.set(false);
            load.join(10_000);
            steady.awaitCount(published.get(), Duration.ofMinutes(2));
            NeighbourRun run = new NeighbourRun(steady.endToEnd(aloneFrom, burstFrom), steady.endToEnd(burstFrom, burstTo),
                    bursty.rate(), (burstTo - burstFrom) / 1000.0);
            System.out.printf("B4 %s: steady alone p99 %d ms (%d jobs); during a %d-job burst (%.1f s, %.0f jobs/s) p99 %d ms (%d jobs), max %d ms%n",
                    settings, run.alone().getValueAtPercentile(99), run.alone().getTotalCount(), burst, run.burstSeconds(), run.burstRate(),
                    run.during().getValueAtPercentile(99), run.during().getTotalCount(), run.during().getMaxValue());
            System.out.println("B4 " + settings + ": the steady tenant's worst latency (ms) by second of the burst: "
                    + steady.worstBySecond(burstFrom, burstTo));
            return run;
        }
    }

    /** The stub's limit in B5, and what the endpoint may open at most. */
    static final int PROVIDER_LIMIT = 100;
    static final int ENDPOINT_MAX = 256;
    static final Duration SETTLE = Duration.ofSeconds(10);

    /** What one B5 run saw. */
    record ProviderRun(long rateLimited, double rate, int maxOpenAfterSettle, long results, long deadLetters, String openBySecond) {
    }

    /**
     * B5. The stub answers 429 (no Retry-After) to a call arriving while {@link #PROVIDER_LIMIT} are open, else in 200 ms.
     * One processor (max.in.flight 256) with one routed endpoint of max.concurrency 256, adaptive, then fixed: the
     * same {@code jobs} published at once to each. Measured: the 429s, the results per second, and the most calls
     * open at the stub (sampled every 10 ms) after the first {@link #SETTLE} of the run.
     */
    private void providerLimit(int jobs) throws Exception {
        ProviderRun adaptive = providerRun(jobs, true);
        ProviderRun fixed = providerRun(jobs, false);
        report.add(String.format("| B5 provider limit: stub answers 429 above %d open calls (model 200 ms), %d jobs, endpoint max.concurrency %d | adaptive: most calls open at the stub after %d s **%d**; **%d** 429s; %.0f jobs/s; %d results, %d dead letters | fixed %d: %d 429s; %.0f jobs/s; %d results, %d dead letters | **%.1f%%** of the fixed run's 429s | <= 110 open within %d s; far fewer 429s |",
                PROVIDER_LIMIT, jobs, ENDPOINT_MAX, SETTLE.toSeconds(), adaptive.maxOpenAfterSettle(), adaptive.rateLimited(), adaptive.rate(),
                adaptive.results(), adaptive.deadLetters(), ENDPOINT_MAX, fixed.rateLimited(), fixed.rate(), fixed.results(), fixed.deadLetters(),
                100.0 * adaptive.rateLimited() / Math.max(1, fixed.rateLimited()), SETTLE.toSeconds()));
    }

    private ProviderRun providerRun(int jobs, boolean adaptive) throws Exception {
        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Fixed(200))
                .withMaxConcurrent(PROVIDER_LIMIT))) {
            BenchScenario scenario = new BenchScenario(stack);
            Map<String, Object> config = scenario.processorConfig(stub.baseUrl(), 256);
            config.remove(io.aijobs.processor.ProcessorConfig.MODEL_BASE_URL_CONFIG);
            config.put("model.endpoints", "provider");
            config.put("model.endpoint.provider.base.url", stub.baseUrl());
            config.put("model.endpoint.provider.max.concurrency", Integer.toString(ENDPOINT_MAX));
            config.put("model.endpoint.provider.concurrency.adaptive", Boolean.toString(adaptive));
            config.put("model.routes", "all");
            config.put("model.route.all.models", "*");
            config.put("model.route.all.endpoints", "provider");
            try (BenchScenario.ResultWatcher results = scenario.new ResultWatcher(scenario.names.results(scenario.tenant), false);
                 BenchScenario.ResultWatcher deadLetters = scenario.new ResultWatcher(scenario.names.deadLetter(scenario.tenant), false);
                 ProcessorApp app = ProcessorApp.start(config)) {
                BenchScenario.awaitRunning(app.streams(), Duration.ofSeconds(120));
                java.util.concurrent.atomic.AtomicBoolean sampling = new java.util.concurrent.atomic.AtomicBoolean(true);
                java.util.TreeMap<Long, Integer> openBySecond = new java.util.TreeMap<>();
                long start = System.nanoTime();
                Thread sampler = new Thread(() -> {
                    while (sampling.get()) {
                        long second = (System.nanoTime() - start) / 1_000_000_000L;
                        int open = stub.openRequests();
                        synchronized (openBySecond) {
                            openBySecond.merge(second, open, Math::max);
                        }
                        java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
                    }
                }, "b5-sampler");
                sampler.start();
                scenario.preload(jobs);
                long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                while (results.count() + deadLetters.count() < jobs && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                sampling.set(false);
                sampler.join(5_000);
                int maxAfterSettle = openBySecond.tailMap(SETTLE.toSeconds()).values().stream().mapToInt(Integer::intValue).max().orElse(0);
                ProviderRun run = new ProviderRun(stub.answersWithStatus(429), results.rate(), maxAfterSettle, results.count(),
                        deadLetters.count(), openBySecond.toString());
                System.out.printf("B5 %s: %d results, %d dead letters, %.0f jobs/s, %d 429s, most open after %d s: %d; most open by second %s%n",
                        adaptive ? "adaptive" : "fixed", run.results(), run.deadLetters(), run.rate(), run.rateLimited(), SETTLE.toSeconds(),
                        run.maxOpenAfterSettle(), run.openBySecond());
                return run;
            }
        }
    }

    private void memory(int memoryJobs) throws Exception {
        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Fixed(600_000))
                .withHangTime(Duration.ofMinutes(15)))) {
            long[] rss = memoryWithCallsInFlight(stub, memoryJobs);
            if (rss[3] != 0) {
                report.add(String.format("| Memory | processor JVM (" + MEMORY_HEAP + "), %d calls asked: **out of memory** with %d calls open (RSS %d MiB, peak %d MiB) | | | <= 512 MiB |",
                        memoryJobs, rss[2], rss[0] / 1024, rss[1] / 1024));
            } else {
                report.add(String.format("| Memory | processor JVM (" + MEMORY_HEAP + ") with %d calls in flight: RSS **%d MiB** (peak %d MiB) | | | <= 512 MiB |",
                        rss[2], rss[0] / 1024, rss[1] / 1024));
            }
        }
    }

    private double processorRate(ModelStub stub, int jobs, int maxInFlight) throws Exception {
        return processorRate(stub, jobs, maxInFlight, Optional.empty());
    }

    /** The processor's rate on {@code jobs} preloaded jobs of one tenant; {@code idleTenant}: another, with topics and no jobs. */
    private double processorRate(ModelStub stub, int jobs, int maxInFlight, Optional<io.aijobs.contracts.TenantId> idleTenant)
            throws Exception {
        BenchScenario scenario = new BenchScenario(stack);
        if (idleTenant.isPresent()) {
            scenario.addTenant(idleTenant.get());
        }
        scenario.preload(jobs);
        try (BenchScenario.ResultWatcher results = scenario.new ResultWatcher(scenario.names.results(scenario.tenant), true);
             ProcessorApp app = ProcessorApp.start(scenario.processorConfig(stub.baseUrl(), maxInFlight))) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (results.count() < jobs && System.nanoTime() < deadline) {
                Thread.sleep(2000);
                System.out.printf("  ... %d results, %d calls made, %d open at the stub, %d in flight in the processor%n",
                        results.count(), stub.requestCount(), stub.openRequests(), app.inFlight());
            }
            results.awaitCount(jobs, Duration.ofSeconds(1));
            System.out.printf("processor: %d jobs, %.0f jobs/s, model calls open at most %d%n", jobs, results.rate(),
                    stub.maxConcurrentRequests());
            return results.rate();
        }
    }

    /** The same work on Confluent Parallel Consumer, in its own JVM (it needs kafka-clients 3.9). */
    private double parallelConsumerRate(ModelStub stub, int jobs, String mode) throws Exception {
        String classpath = System.getProperty("aijobs.pc.classpath");
        if (classpath == null) {
            throw new IllegalStateException("aijobs.pc.classpath is not set; run ./benchmarks/run");
        }
        BenchScenario scenario = new BenchScenario(stack);
        scenario.preload(jobs);
        Path log = Path.of("target", "bench-memory-processor.log");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.aijobs.schema", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", classpath, "io.aijobs.benchmarks.pc.ParallelConsumerBaseline", stack.bootstrapServers(),
                stack.schemaRegistryUrl(), scenario.names.jobs(scenario.tenant), scenario.names.results(scenario.tenant),
                stub.baseUrl(), "256", mode)
                .redirectErrorStream(true).redirectOutput(Path.of("target", "bench-parallel-consumer-" + mode + ".log").toFile()).start();
        try (BenchScenario.ResultWatcher results = scenario.new ResultWatcher(scenario.names.results(scenario.tenant), true)) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (results.count() < jobs && System.nanoTime() < deadline && process.isAlive()) {
                Thread.sleep(2000);
                System.out.printf("  ... parallel consumer %s: %d results%n", mode, results.count());
            }
            results.awaitCount(jobs, Duration.ofSeconds(1));
            System.out.printf("parallel consumer %s: %d jobs, %.0f jobs/s%n", mode, jobs, results.rate());
            return results.rate();
        } finally {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private double blockingRate(ModelStub stub, Duration window) throws Exception {
        BenchScenario scenario = new BenchScenario(stack);
        scenario.preload(1000);
        try (RestSchemaRegistryClient registry = new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10));
             OpenAiModelClient model = new OpenAiModelClient(stub.baseUrl(), Optional.empty(), Duration.ofSeconds(60),
                     Duration.ofSeconds(5), 4, 1, Clock.systemUTC());
             BenchScenario.ResultWatcher results = scenario.new ResultWatcher(scenario.names.results(scenario.tenant), true)) {
            Topics topics = new Topics(TopicCatalog.of(scenario.names), registry, serdeConfig());
            try (KafkaStreams streams = new KafkaStreams(Baselines.blocking(scenario, topics, model),
                    Baselines.streamsProperties(scenario, "blocking"))) {
                streams.start();
                results.awaitCount(1, Duration.ofMinutes(2));
                long deadline = System.nanoTime() + window.toNanos();
                while (System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                double rate = results.rate();
                System.out.printf("blocking: %d results in the window, %.1f jobs/s%n", results.count(), rate);
                streams.close(Duration.ofSeconds(30));
                return rate;
            }
        }
    }

    private double passThroughRate(int jobs) throws Exception {
        String output = "bench-copy-" + System.nanoTime();
        BenchScenario scenario = new BenchScenario(stack, output);
        scenario.preload(jobs);
        try (RestSchemaRegistryClient registry = new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10));
             BenchScenario.ResultWatcher copies = scenario.new ResultWatcher(output, false)) {
            Topics topics = new Topics(TopicCatalog.of(scenario.names), registry, serdeConfig());
            try (KafkaStreams streams = new KafkaStreams(Baselines.passThrough(scenario, topics, output),
                    Baselines.streamsProperties(scenario, "pass-through"))) {
                streams.start();
                copies.awaitCount(jobs, Duration.ofMinutes(10));
                System.out.printf("pass-through: %d jobs, %.0f jobs/s%n", jobs, copies.rate());
                streams.close(Duration.ofSeconds(30));
                return copies.rate();
            }
        }
    }

    private Histogram latencyAt(ModelStub stub, double rate, Duration duration) throws Exception {
        BenchScenario scenario = new BenchScenario(stack);
        try (BenchScenario.ResultWatcher results = scenario.new ResultWatcher(scenario.names.results(scenario.tenant), true);
             ProcessorApp app = ProcessorApp.start(scenario.processorConfig(stub.baseUrl(), 256));
             JobPublisher publisher = scenario.publisher()) {
            BenchScenario.awaitRunning(app.streams(), java.time.Duration.ofSeconds(120));
            // warm-up, then measure only what follows
            int index = 0;
            index = pace(publisher, scenario, index, rate, Duration.ofSeconds(5));
            results.awaitCount(index, Duration.ofMinutes(2));
            long warm = results.count();
            Histogram before = results.overhead();
            index = pace(publisher, scenario, index, rate, duration);
            results.awaitCount(index, Duration.ofMinutes(2));
            Histogram after = results.overhead();
            after.subtract(before);
            System.out.printf("latency: %d jobs after %d warm-up, p50 %d ms, p99 %d ms%n", index - warm, warm,
                    after.getValueAtPercentile(50), after.getValueAtPercentile(99));
            return after;
        }
    }

    private static int pace(JobPublisher publisher, BenchScenario scenario, int start, double rate, Duration duration)
            throws InterruptedException {
        long begin = System.nanoTime();
        long total = (long) (rate * duration.toSeconds());
        int index = start;
        for (long i = 0; i < total; i++) {
            long due = begin + (long) (i * 1e9 / rate);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            publisher.publish(scenario.job(index++));
        }
        publisher.flush();
        return index;
    }

    /**
     * Runs a processor JVM with max.in.flight = jobs against a stub that never answers in time; returns RSS and
     * peak RSS (KiB), calls open, and 1 when the processor ran out of memory.
     */
    private long[] memoryWithCallsInFlight(ModelStub stub, int jobs) throws Exception {
        BenchScenario scenario = new BenchScenario(stack);
        Map<String, Object> config = scenario.processorConfig(stub.baseUrl(), jobs);
        Path file = Files.createTempFile("bench-processor-", ".properties");
        Properties props = new Properties();
        config.forEach((key, value) -> props.setProperty(key, value.toString()));
        try (Writer writer = Files.newBufferedWriter(file)) {
            props.store(writer, "memory benchmark");
        }
        Path log = Path.of("target", "bench-memory-processor.log");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), MEMORY_HEAP,
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.aijobs.schema", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), "io.aijobs.processor.ProcessorApp", file.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            scenario.preload(jobs);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            long lastProgress = System.nanoTime();
            int lastOpen = 0;
            while (stub.openRequests() < jobs && System.nanoTime() < deadline && process.isAlive() && !outOfMemory(log)) {
                Thread.sleep(500);
                if (stub.openRequests() > lastOpen) {
                    lastOpen = stub.openRequests();
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(30)) {
                    break;
                }
            }
            Thread.sleep(3000);
            long[] rss = process.isAlive() ? readRss(process.pid()) : new long[] {0, 0};
            boolean oom = outOfMemory(log);
            System.out.printf("memory: %d calls open, RSS %d MiB, peak %d MiB%s%n", stub.openRequests(), rss[0] / 1024, rss[1] / 1024,
                    oom ? ", OUT OF MEMORY" : "");
            return new long[] {rss[0], rss[1], stub.openRequests(), oom ? 1 : 0};
        } finally {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static boolean outOfMemory(Path log) throws IOException {
        return Files.exists(log) && Files.readString(log).contains("OutOfMemoryError");
    }

    private static long[] readRss(long pid) throws IOException {
        long rss = -1;
        long hwm = -1;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("\\D", ""));
            } else if (line.startsWith("VmHWM:")) {
                hwm = Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return new long[] {rss, hwm};
    }

    private AvroSerdeConfig serdeConfig() {
        return new AvroSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl(),
                AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true));
    }

    private void write(Path out, int memoryJobs) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# Benchmarks");
        lines.add("");
        lines.add("Each figure is a ratio against a baseline measured in the same run, on the same broker and machine:");
        lines.add("machines are shared and noisy, so compare ratios, not absolute rates. Broker, registry, model stub and");
        lines.add("the measured application all run on the same machine.");
        lines.add("");
        lines.add("How a figure is made. Each is measured in " + rounds + " rounds (except: B4's first row, always " + B4_ROUNDS
                + " rounds, and its other two rows, B5, B7 and memory, one run each; see their notes),");
        lines.add("and the table gives its median with the lowest and highest round in brackets. A ratio is taken round by round,");
        lines.add("each round's figure over the baseline measured in the same round, and the ratio cell lists every round and the");
        lines.add("spread, (highest - lowest) / median. A ratio whose rounds spread by more than " + Math.round(100 * Rounds.MAX_SPREAD)
                + "% is marked unstable and not quoted");
        lines.add("as a result. Every throughput run is long enough to measure: its job count is the rate its kind of run last reached");
        lines.add("(a warm-up round's, or the run's own ceiling before any) times " + (int) Rounds.STEADY_SECONDS
                + " s / 0.8, so that the 10th to 90th percentile of its results,");
        lines.add("over which it is measured, spans about " + (int) Rounds.STEADY_SECONDS + " s (the run prints its job count).");
        lines.add("");
        lines.add("## Processor");
        lines.add("");
        lines.add("Command: `./benchmarks/run` (options: `--rounds N`, default " + Rounds.DEFAULT + "; `--jobs N`, a fixed job count per"
                + " throughput run and the workload of B4, B5 and B7 (default " + WORKLOAD_JOBS + "); `--memory-jobs N`, default 10000;"
                + " `--remembered N`, B8's remembered jobs, default 1000000; `--only b1,b2,b3,b4,b5,b6,b7,b8,memory`"
                + " runs a subset and prints it without rewriting this file unless `--out` is given).");
        lines.add("");
        lines.add("Run: " + Instant.now() + " on " + Runtime.getRuntime().availableProcessors() + " cores, "
                + (Runtime.getRuntime().maxMemory() / (1024 * 1024)) + " MiB max heap for the benchmark JVM, Java "
                + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " " + System.getProperty("os.arch")
                + "; " + cpuModel() + ". " + (fixedJobs > 0 ? "Jobs per throughput run: " + fixedJobs + " (fixed). " : "")
                + "Calls in flight for memory: " + memoryJobs + ".");
        lines.add("");
        lines.add("| benchmark | measured | baseline (same rounds) | ratio | target |");
        lines.add("| --- | --- | --- | --- | --- |");
        lines.addAll(report);
        lines.add("");
        lines.add("Rates count results as a `read_committed` consumer sees them, between the 10th and the 90th percentile of");
        lines.add("their arrival (warm-up and drain excluded). The model stub runs in the benchmark's JVM, the processor too");
        lines.add("except for the memory run and Parallel Consumer, which run in their own JVMs (Parallel Consumer 0.5.3.3 on");
        lines.add("kafka-clients 3.9.1, the same model client and Avro serde, results written with `pollAndProduce`).");
        lines.add("");
        lines.add("**B1, what it measures and why these baselines.** Every job is one model call of 200 ms, so no design can exceed");
        lines.add("256 calls / 200 ms = 1,280 jobs/s with 256 calls open: that ceiling is the baseline for how close the processor");
        lines.add("comes to its own limit. The blocking Streams application is the design most teams write first (one call at a time");
        lines.add("per stream thread). Parallel Consumer is what they would otherwise pick for concurrency per partition; its");
        lines.add("transactional mode is the one that, like the processor, commits results and offsets together.");
        lines.add("");
        lines.add("**B2, what it measures and why this baseline.** With a model that answers at once, what is left is the cost of");
        lines.add("running a job: its HTTP call, decoding, state, and the records written. Each job is one HTTP call, so the");
        lines.add("processor's own model client calling the same stub with 256 calls open and no Kafka at all is the ceiling the");
        lines.add("processor is measured against; the pass-through (one record copied per job, exactly once) is context: it makes no");
        lines.add("call. Each run follows a warm-up round of each (the JIT compiler took half a core during a cold run).");
        lines.add("");
        lines.add("**B2, where the time goes** (JFR on the benchmark JVM for 15 s of a B2 run, and `top`, 2026-12-02). The two");
        lines.add("cores are full: the benchmark JVM (processor, stub, result reader) used about one core, the broker about 0.9.");
        lines.add("The processor's one stream thread had 80% of the benchmark JVM's samples: at about 2,000 jobs/s, some 400 us of");
        lines.add("stream-thread time per job. Shares of the stream thread's 172 samples, each counting every sample under it (so");
        lines.add("they overlap): starting calls 24% (of which building the HTTP request and handing it to the client 9%),");
        lines.add("finishing jobs as their calls end 19%, admission with the job's decoding 9%, reads and writes of the state");
        lines.add("stores 17%, records handed to the producer 11%, events 10%, metrics 4%, tracing 2%; Kafka Streams' check of");
        lines.add("empty partitions 9% (the processor's `max.task.idle.ms` is -1 since, which removed it: see `ProcessorConfig`) and");
        lines.add("a message Kafka Streams formats for every task it may process 3%. No single step dominates: the job's cost is");
        lines.add("spread over its records, its state and its call, each done on the one stream thread.");
        lines.add("");
        lines.add("**B3, what it measures.** The processor's own delay on a job at half of B1's rate: from submission to the result");
        lines.add("being visible to a `read_committed` consumer, minus the model's 200 ms. It has no baseline: the target is absolute.");
        lines.add("");
        lines.add("**B4, what it measures.** One processor, two tenants of weight 1. The steady tenant publishes 20 jobs/s throughout;");
        lines.add("its baseline is its own p99 end-to-end latency (submitted to visible to a `read_committed` consumer) over 30 s with");
        lines.add("the other tenant idle, after 10 s of warm-up. Then the other tenant publishes its jobs at once, and the steady");
        lines.add("tenant's jobs submitted until the last of the burst has its result are compared. The first row is the median of three");
        lines.add("such rounds, each with its own processor and tenants, and lists every round's ratio: a single round varied from 1.42x");
        lines.add("to 2.36x on this 2-core machine, and one round is not evidence that the target holds. The benchmark prints the");
        lines.add("steady tenant's worst latency by second of the burst, split into submitted-to-started, -completed and -visible.");
        lines.add("The excess has two parts. In the first one to two seconds, while the burst is published and read into the start");
        lines.add("queue, the machine's two cores are 97% busy (JFR) and the steady tenant's job is read up to 280 ms after submission");
        lines.add("(8 ms for the median job; receive times logged on 2026-12-02). All through the burst, a job that finds every slot");
        lines.add("taken waits for one: the slot another task frees and leaves to it is taken at its own task's next record or");
        lines.add("punctuation. With `completion.poll.interval.ms` at 20 ms that wait was 30 ms at the median and up to 240 ms, and");
        lines.add("B4-only rounds gave 1.52x, 1.53x, 1.63x and 1.57x; at 5 ms, now the default, 1.36x, 1.48x and 1.34x in the same hour");
        lines.add("(B1 1,177 against 1,110 jobs/s and B2 5,330 against 4,255 jobs/s, 5 ms against 20 ms, so the faster punctuation");
        lines.add("costs no throughput here). 4 KiB fetches gave 1.27x and then 1.61x, so the fetch size stayed at 16 KiB.");
        lines.add("The second row is one round with the per-tenant intake bound (`backpressure.queued.jobs.per.tenant`) lowered");
        lines.add("to 1,000 jobs per task, so that the burst goes past it, as a burst of more than 60,000 jobs does with the default");
        lines.add("on six partitions. Past the bound the stream thread waits at each further job of the bursting tenant for one of");
        lines.add("its calls to start; Kafka Streams polls again only when its buffered records are processed, so the steady tenant's");
        lines.add("jobs are read later than below the bound. Before the waiting task was allowed to take the slot it waits for, this");
        lines.add("round gave 384 jobs/s for the burst and a 3.5 s p99 (9.7x) for the steady tenant.");
        lines.add("The last row runs the bursting tenant's jobs with the steady tenant's topics in place and idle, against B1.");
        lines.add("");
        lines.add("**B5, what it measures.** The stub answers 429, at once and without `Retry-After`, to a call that arrives while");
        lines.add("100 are open; otherwise it answers in 200 ms. One processor (`max.in.flight` 256) calls it through one routed");
        lines.add("endpoint of `max.concurrency` 256, first with `concurrency.adaptive=true`, then `false`; each run gets the same");
        lines.add("jobs at once and lasts until each job has a result or a dead letter. The 429s are counted at the stub; the most");
        lines.add("calls open at the stub is sampled every 10 ms, and the row gives the highest after the first 10 s of the run");
        lines.add("(the benchmark prints it by second). A 429 is a RATE_LIMITED failure retried by the default policy (8 attempts,");
        lines.add("backoff from 2 s), so the fixed run's jobs complete late or are dead-lettered.");
        lines.add("");
        lines.add("B5 is one run of each setting: its figures are counts at the stub (429s, calls open) that differ between the");
        lines.add("settings a hundredfold, not rates that the machine's speed moves.");
        lines.add("");
        lines.add("B4's second and third rows are one run each, the work-conserving one of " + WORKLOAD_JOBS + " jobs against B1's median: context for");
        lines.add("the first row, which the target is about.");
        lines.add("");
        lines.add("**B6, what it measures.** A tenant whose policy keeps a response cache (TTL 1 h). One processor answers a");
        lines.add("question with a call; then the jobs, all asking exactly that question at temperature 0, are published, and a second");
        lines.add("processor (an application of its own, whose global store is rebuilt from the cache topic) answers every one from the");
        lines.add("cache. The row gives the most calls the stub saw in a round: 1 means every job was a hit. Its baseline is the");
        lines.add("same processor answering by a call per job to a stub that answers at once, measured in the same round.");
        lines.add("");
        lines.add("**B7, what it measures.** The same jobs, published before a fresh processor starts, answered once by a call each");
        lines.add("(the stub answering at once) and once through the stub's batch interface (priority BATCH, `batch.max.jobs` 1,000,");
        lines.add("`batch.max.wait.ms` 2,000, `batch.poll.interval.ms` 1,000; the stub ends a batch 5 s after its creation). Prices are");
        lines.add("GPT-4o mini's at OpenAI (`" + BatchBenchmark.PRICES + "`). Cost is the sum of each run's usage records, one per job in");
        lines.add("both runs (checked); \"exactly\" says the batch run's saving equals the difference to the run of single calls, to the");
        lines.add("nano-unit. Results per hour run from the processor's start to the last result, so they include the batch's wait");
        lines.add("and the stub's 5 s: a provider takes minutes to 24 h, and the rate through batches is then what it sustains.");
        lines.add("B7 is one round: its cost is exact arithmetic on token counts, the same in every round; its results per hour are");
        lines.add("context, dominated by the stub's fixed 5 s per batch.");
        lines.add("");
        lines.add("**B8, what it measures.** A task's recovery when its partition's store remembers " + String.format("%,d", remembered)
                + " finished jobs (the");
        lines.add("dedup horizon's, 7 days by default), with " + RECOVERY_IN_FLIGHT + " calls that were open and " + RECOVERY_QUEUED
                + " jobs that were queued at the crash.");
        lines.add("The benchmark writes the job-state changelog's partition (and the index of unfinished jobs beside it) with the");
        lines.add("records the processor writes for such jobs, its own serde: a million jobs run through the processor would take");
        lines.add("most of an hour and measure nothing more. Then a processor starts, a new job for that partition is published,");
        lines.add("and the time from the start to the partition's first result is measured: cold, from empty local state, as an");
        lines.add("instance after kill -9 (the changelogs are restored first); and warm, after a clean close, as a restart or a");
        lines.add("standby taking the task over. The baseline is the same with no remembered jobs, in the same round: the ratio is");
        lines.add("what a million remembered jobs add. The target is the reliability goal: processing resumes within 15 s.");
        lines.add("A task finds its unfinished jobs through the `job-unfinished` index, not by reading every remembered job. The");
        lines.add("index's changelog holds, for each remembered job, its key and its tombstone (what a call open across a commit");
        lines.add("leaves). The third row starts from states alone, as the first start after an upgrade from a version without the");
        lines.add("index: the task builds the index from one scan of every state, the cost every task start had before.");
        lines.add("The fourth row is the task's own time to find its unfinished jobs, from the processor's timer, through the index");
        lines.add("and by that scan. A cold start restores the changelogs first, the index's too (here a key and a tombstone per");
        lines.add("remembered job), so the third row weighs what the index saves a cold start against what restoring it costs. A");
        lines.add("warm start restores only the changelogs' tail.");
        lines.add("");
        lines.add("**Memory, what it measures.** One run: the resident memory of a processor JVM (" + MEMORY_HEAP + ") holding");
        lines.add(memoryJobs + " calls open at a stub that does not answer; a bound, not a rate.");
        lines.add("");
        // ./benchmarks/run-aggregator writes its own section after this one: keep it
        if (Files.exists(out)) {
            String previous = Files.readString(out);
            int aggregator = previous.indexOf(AGGREGATOR_SECTION);
            if (aggregator >= 0) {
                lines.addAll(List.of(previous.substring(aggregator).stripTrailing().split("\n")));
            }
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.write(out, lines);
        System.out.println("Wrote " + out);
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(line -> line.startsWith("model name"))
                    .findFirst().map(line -> line.substring(line.indexOf(':') + 1).trim()).orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }
}
