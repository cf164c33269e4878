package io.aijobs.benchmarks;

import io.aijobs.benchmarks.ReliabilityReport.Recovery;
import io.aijobs.benchmarks.ReliabilityReport.Row;
import io.aijobs.costs.CostAggregatorApp;
import io.aijobs.costs.CostAggregatorConfig;
import io.aijobs.devstack.DevStack;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.StackSettings;
import io.aijobs.devstack.modelstub.Fault;
import io.aijobs.devstack.modelstub.LatencyDistribution;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.processor.ProcessorApp;
import io.aijobs.processor.ProcessorConfig;
import io.aijobs.producer.JobPublisher;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The reliability suite: faults injected into a running deployment under load, then what was lost, duplicated and
 * paid twice, and how long the affected partitions stood still. Each scenario runs on a fresh stack of three brokers
 * and a registry, with the model stub in this JVM (it counts calls per {@code Idempotency-Key}) and the processor
 * instances (and in R7 the cost aggregator) as JVMs of their own, so that a fault is a real {@code kill -9}.
 *
 * <pre>
 * ./benchmarks/run-chaos [--scenario all|R1,R2,...] [--jobs N] [--kills K] [--rate JOBS_PER_S]   (writes docs/reliability.md)
 * ./benchmarks/run-chaos --short      (CI: R1 for 75 s with 2 kills 20 s apart, R3 with 3,000 jobs; no report)
 * </pre>
 *
 * <ul>
 *   <li>R1: kill -9 of a processor instance {@code --kills} times (default 5) during {@code --jobs} jobs (default 20,000),
 *       10% of them published twice; restarted at once. R1 and R8 run at {@link #CRASH_RATE} jobs/s, the others at
 *       {@link #DEFAULT_RATE}, unless {@code --rate} sets the load of all.</li>
 *   <li>R2: the model service answers 503 to every call for 60 s; nothing may be dead-lettered.</li>
 *   <li>R3: kill -9 of a broker leading jobs partitions (not the active controller: see {@link Run#leaderOfJobs}),
 *       restarted 15 s later; then a rolling restart of the three brokers.</li>
 *   <li>R4: 1,000 undecodable records interleaved with the jobs: each must reach the tenant's dead-letter topic once,
 *       with its original bytes.</li>
 *   <li>R5: the processor scaled from 1 to 3 instances and back to 1.</li>
 *   <li>R6: the schema registry killed for 30 s.</li>
 *   <li>R7: the cost aggregator (a JVM of its own) killed three times; its minute aggregates must add up to the results'
 *       costs to the nano-unit, and each budget threshold must be alerted once.</li>
 *   <li>R8: an instance killed and its state folder deleted before it restarts.</li>
 * </ul>
 * R2 to R8 publish {@code --jobs} jobs, at most 40 s of their load (so that the suite, with R1's 400 s of load, stays
 * within 20 minutes). A row passes when nothing is lost, no result is duplicated, the repeated calls stay within their bound
 * ({@link #paidCallBound}) and the scenario's own check holds.
 *
 * <p>For experiments: {@code -Daijobs.chaos.streams=key=value,...} adds Kafka Streams settings to every instance
 * ({@code {instance}} in a value becomes the instance's name, for {@code consumer.group.instance.id}),
 * {@code -Daijobs.chaos.processor=key=value,...} adds processor settings to every processor instance (e.g.
 * {@code backpressure.max.block.ms=0}),
 * {@code -Daijobs.chaos.kafka.log=info} sets the instances' Kafka log level (their logs are in the run's folder under
 * {@code benchmarks/target/chaos-*}), {@code -Daijobs.chaos.dumps=8,12} writes every instance's thread dump there that
 * many seconds after each fault, and {@code -Daijobs.chaos.restart.delay.ms=N} restarts a killed processor after N ms
 * instead of at once (to measure the survivor's takeover alone).
 */
public final class ChaosSuite {

    private static final int MAX_IN_FLIGHT = 256;
    private static final Duration MODEL_LATENCY = Duration.ofMillis(200);
    /**
     * Each scenario's brokers are fresh JVMs, and a fresh broker spends about a third of its CPU in the C2 compiler for its
     * first minutes (measured here: 27 s of a broker's 78 s of CPU in its first 195 s), which a long-running broker does
     * not. On 2 cores shared with everything else that compilation starves the processors: R1's worst recovery was
     * 61 and 67 s in two runs with it; 18.6, 20.5, 43.2 and 25.0 s in four runs without. So the suite's brokers run their
     * code compiled by C1 only; the processors and the aggregator keep the JVM's defaults, as deployed.
     */
    static final List<String> BROKER_JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1");
    /** Extra Kafka Streams settings of every instance, from -Daijobs.chaos.streams=key=value,... ({instance}: its name). */
    private static final Map<String, String> STREAMS_OVERRIDES = overrides(System.getProperty("aijobs.chaos.streams", ""));
    /** Extra processor settings of every processor instance, from -Daijobs.chaos.processor=key=value,... */
    private static final Map<String, String> PROCESSOR_OVERRIDES = overrides(System.getProperty("aijobs.chaos.processor", ""));

    private static Map<String, String> overrides(String spec) {
        Map<String, String> map = new HashMap<>();
        for (String pair : spec.split(",")) {
            if (!pair.isBlank()) {
                String[] parts = pair.split("=", 2);
                map.put(parts[0].trim(), parts[1].trim());
            }
        }
        return map;
    }

    /** The load of R2 to R7, in jobs per second, unless {@code --rate} says otherwise. */
    static final double DEFAULT_RATE = 100;
    /**
     * The load of the processor crashes, R1 and R8, whose recovery the 15 s goal is about, unless {@code --rate} says
     * otherwise: one that this workplace's stack (2 cores shared by three brokers,
     * the registry, two processors and the suite) keeps pace with. Without faults, at 100 jobs/s the processors fell
     * further behind all along (about 1,400 jobs per jobs partition after a minute, with 100 and with 1,000 records per
     * poll); at 60 and at 50 jobs/s they caught up after their first 45 to 60 s and then kept pace. A recovery time
     * measured above that rate measures the backlog, which grows whether or not there is a fault.
     */
    static final double CRASH_RATE = 50;

    private final int jobs;
    private final int kills;
    private final double rate;
    private final double crashRate;
    private final Path work;

    private final boolean shortForm;

    private ChaosSuite(int jobs, int kills, double rate, double crashRate, Path work, boolean shortForm) {
        this.shortForm = shortForm;
        this.jobs = jobs;
        this.kills = kills;
        this.rate = rate;
        this.crashRate = crashRate;
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        int jobs = 20_000;
        int kills = 5;
        Double rateOption = null;
        Path out = null;
        boolean shortForm = false;
        String scenarios = "all";
        List<String> shown = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                int from = i;
                switch (args[i]) {
                    case "--jobs" -> jobs = Integer.parseInt(args[++i]);
                    case "--kills" -> kills = Integer.parseInt(args[++i]);
                    case "--rate" -> rateOption = Double.parseDouble(args[++i]);
                    case "--out" -> out = Path.of(args[++i]);
                    case "--scenario" -> scenarios = args[++i];
                    case "--short" -> shortForm = true;
                    default -> usage("unknown option " + args[i]);
                }
                if (!args[from].equals("--out")) {
                    shown.addAll(List.of(args).subList(from, i + 1));
                }
            }
        } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
            usage("bad arguments: " + e.getMessage());
        }
        List<String> chosen = new ArrayList<>();
        for (String name : (scenarios.equalsIgnoreCase("all") ? String.join(",", SCENARIOS) : scenarios).split(",")) {
            String upper = name.trim().toUpperCase(Locale.ROOT);
            if (!SCENARIOS.contains(upper)) {
                usage("unknown scenario " + name + " (the suite has " + String.join(", ", SCENARIOS) + ")");
            }
            chosen.add(upper);
        }
        if (shortForm) {
            // CI: R1 and R3 in a few minutes, no report
            chosen = List.of("R1", "R3");
            jobs = 3_000;
            kills = 2;
            rateOption = null;
            out = null;
        }
        double rate = rateOption == null ? DEFAULT_RATE : rateOption;
        double crashRate = rateOption == null ? CRASH_RATE : rateOption;
        Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "chaos-");
        ChaosSuite suite = new ChaosSuite(jobs, kills, rate, crashRate, work, shortForm);
        List<Row> rows = new ArrayList<>();
        for (String name : chosen) {
            System.out.println(name + " ...");
            Row row;
            long began = System.nanoTime();
            try {
                row = suite.run(name);
            } catch (Exception e) {
                // a scenario that cannot finish fails its row; the others still run and the report says why
                e.printStackTrace();
                row = new Row(name, "did not finish", suite.rateOf(name), 0, 0, 0, 0, 0, 0, 0, List.of(), List.of(),
                        new Verdict(false, ("error: " + e + (e.getCause() == null ? "" : ", caused by " + e.getCause()))
                                .replace('\n', ' ').replace('|', '/')), false, Duration.ofNanos(System.nanoTime() - began));
            }
            System.out.println(ReliabilityReport.describe(row));
            rows.add(row);
        }
        if (out != null) {
            ReliabilityReport.write(out, rows, String.join(" ", shown), MAX_IN_FLIGHT, MODEL_LATENCY, COMMIT_INTERVAL);
            System.out.println("Wrote " + out);
        }
        System.exit(rows.stream().allMatch(Row::passed) ? 0 : 1);
    }

    /** The scenarios the suite runs, in order. */
    static final List<String> SCENARIOS = List.of("R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8");

    private static void usage(String error) {
        System.err.println("error: " + error);
        System.err.println("usage: run-chaos [--scenario all|R1,R2,...] [--jobs N] [--kills K] [--rate JOBS_PER_S] [--short] [--out FILE]");
        System.exit(2);
    }

    Row run(String name) throws Exception {
        return switch (name) {
            case "R1" -> r1();
            case "R2" -> r2();
            case "R3" -> r3();
            case "R4" -> r4();
            case "R5" -> r5();
            case "R6" -> r6();
            case "R7" -> r7();
            case "R8" -> r8();
            default -> throw new IllegalArgumentException(name);
        };
    }

    /**
     * How long R1's load lasts in CI's short form: its 2 kills then come 20 s apart, more than the 15 s recovery goal. With
     * the other scenarios' 3,000 jobs at 100 jobs/s they came 8 s apart, and the first kill's recovery ran into the second.
     */
    private static final int SHORT_R1_SECONDS = 75;

    /** A scenario's load: {@link #CRASH_RATE}'s for the processor crashes the recovery goal is about, else the others'. */
    double rateOf(String scenario) {
        return ReliabilityReport.PROCESSOR_CRASHES.contains(scenario) ? crashRate : rate;
    }

    /** The job count of the scenarios other than R1 at {@code load} jobs/s: at most 40 s of it, so that the suite stays within 20 min. */
    private int otherJobs(double load) {
        return shortForm ? jobs : Math.min(jobs, (int) Math.round(OTHER_LOAD_SECONDS * load));
    }

    private static final int OTHER_LOAD_SECONDS = 40;

    /** R1: kill -9 of a processor instance {@code kills} times during the load (the one owning the most jobs partitions), restarted at once. */
    Row r1() throws Exception {
        double load = rateOf("R1");
        int n = shortForm ? (int) (SHORT_R1_SECONDS * load) : jobs;
        try (Run run = new Run("R1", 2, n, load)) {
            run.start(2);
            int every = (int) (n * 0.8 / (kills + 1));
            List<String> victims = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int k = 1; k <= kills; k++) {
                run.at(k * every, "kill -9 of the instance owning the most jobs partitions", () -> {
                    Instance victim = run.busiestProcessor();
                    System.out.println("    the victim: " + victim.name);
                    run.fault();
                    victim.kill();
                    victims.add(victim.name);
                    run.restart(victim);
                });
            }
            run.publish(0.1);
            return run.finish(kills + " × kill -9 of the processor instance (of 2) owning the most jobs partitions at the time ("
                    + String.join(", ", victims) + "), restarted at once, every ~" + Math.round(every / load) + " s", kills * 2,
                    run.noDeadLetters());
        }
    }

    /** R2: the model service answers every call with 503 for 60 s; the calls are retried and nothing is dead-lettered. */
    Row r2() throws Exception {
        int n = otherJobs(rate);
        Duration outage = shortForm ? Duration.ofSeconds(15) : Duration.ofSeconds(60);
        try (Run run = new Run("R2", 2, n, rate)) {
            run.start(2);
            run.at(n / 5, "model service fails every call for " + outage.toSeconds() + " s", () -> {
                run.stub.failAllFor(Fault.UNAVAILABLE, outage);
                // recovery counts from the model service's return
                run.faultAt(System.currentTimeMillis() + outage.toMillis());
            });
            run.publish(0);
            return run.finish("the model service answers 503 to every call for " + outage.toSeconds() + " s, from job " + n / 5,
                    0, run.noDeadLetters());
        }
    }

    /** R3: kill -9 of a broker leading jobs partitions, restarted after 15 s; then a rolling restart of the three brokers. */
    Row r3() throws Exception {
        int n = otherJobs(rate);
        try (Run run = new Run("R3", 2, n, rate)) {
            run.start(2);
            String leader = run.leaderOfJobs();
            AtomicReference<Thread> restarted = new AtomicReference<>();
            run.at(n / 5, "kill -9 of broker " + leader, () -> {
                run.fault();
                run.stack.kill(leader);
                restarted.set(run.later(Duration.ofSeconds(15), () -> run.stack.restart(leader, Duration.ofSeconds(120))));
            });
            run.at(n * 3 / 5, "rolling restart of the brokers", () -> run.later(Duration.ZERO, () -> {
                // never two brokers down at once: the rolling restart begins once the killed broker is back
                restarted.get().join();
                for (String broker : run.stack.components().stream().filter(c -> c.startsWith("kafka")).toList()) {
                    run.fault();
                    run.stack.stop(broker);
                    run.stack.restart(broker, Duration.ofSeconds(120));
                }
            }));
            run.publish(0.1);
            return run.finish("kill -9 of a broker leading jobs partitions (" + leader + ", not the active controller) at job " + n / 5
                    + ", restarted 15 s later; from job " + n * 3 / 5 + " (once that broker is back) a rolling restart of the 3 "
                    + "brokers (SIGTERM, start, wait until the cluster answers with every node)", 2 + 3 * 2, run.noDeadLetters());
        }
    }

    /** R4: 1,000 undecodable records interleaved with the jobs: each is dead-lettered with its bytes, and nothing stalls. */
    Row r4() throws Exception {
        int n = otherJobs(rate);
        int poison = shortForm ? 200 : 1_000;
        try (Run run = new Run("R4", 2, n, rate)) {
            run.start(2);
            run.poison(poison);
            run.publish(0);
            return run.finish(poison + " undecodable records (no magic byte, an unknown schema id, truncated Avro) interleaved "
                    + "with the jobs", 0, run.poisonDeadLettered(poison));
        }
    }

    /** R5: the processor scaled from 1 to 3 instances and back to 1 under load (new instances start, SIGTERM stops). */
    Row r5() throws Exception {
        int n = otherJobs(rate);
        try (Run run = new Run("R5", 3, n, rate)) {
            run.start(1);
            run.at(n / 5, "start p2 and p3", () -> {
                run.fault();
                run.instances.get(1).start();
                run.instances.get(2).start();
            });
            run.at(n * 3 / 5, "stop p3 and p2", () -> {
                run.fault();
                run.instances.get(2).stop();
                run.instances.get(1).stop();
            });
            run.publish(0.1);
            return run.finish("1 instance, 3 from job " + n / 5 + " (two started), 1 from job " + n * 3 / 5 + " (two stopped with "
                    + "SIGTERM)", 4, run.noDeadLetters());
        }
    }

    /** R6: the schema registry killed for 30 s under load, then restarted. */
    Row r6() throws Exception {
        int n = otherJobs(rate);
        Duration outage = shortForm ? Duration.ofSeconds(10) : Duration.ofSeconds(30);
        try (Run run = new Run("R6", 2, n, rate)) {
            run.start(2);
            run.at(n / 5, "kill -9 of the registry", () -> {
                run.fault();
                run.stack.kill("schema-registry");
                run.later(outage, () -> run.stack.restart("schema-registry", Duration.ofSeconds(120)));
            });
            run.publish(0.1);
            return run.finish("kill -9 of the schema registry at job " + n / 5 + ", restarted " + outage.toSeconds() + " s later",
                    0, run.noDeadLetters());
        }
    }

    /**
     * R7: kill -9 of the cost aggregator three times under load, restarted at once. Its minute windows, closed by the
     * wall clock after the load, must add up to the results' costs to the nano-unit, and each budget threshold must be
     * alerted once. Its budget is 80% of the load's cost (from the probe job's), so that every threshold is crossed.
     */
    Row r7() throws Exception {
        int n = otherJobs(rate);
        int kills = 3;
        try (Run run = new Run("R7", 2, n, rate)) {
            run.start(2);
            long budgetNanos = run.ledger.probeCostNanos() * n * 4 / 5;
            Instance aggregator = run.aggregator(budgetNanos);
            aggregator.start();
            // each kill once the aggregator has written again since the last, so that every kill stops a working aggregator
            run.at(n / 5, "kill -9 of the aggregator " + kills + " times, each once it writes again, from",
                    () -> run.later(Duration.ZERO, () -> {
                        for (int k = 0; k < kills; k++) {
                            if (k > 0) {
                                run.awaitAggregatesAfter(run.lastFault(), Duration.ofMinutes(2));
                            }
                            run.fault();
                            aggregator.kill();
                            aggregator.start();
                        }
                    }));
            run.publish(0.1);
            return run.finish(kills + " × kill -9 of the cost aggregator, restarted at once, from job " + n / 5 + ", each kill once "
                    + "it writes aggregates again (its budget: 80% of the load's cost)", 0, run.aggregatesExact(aggregator));
        }
    }

    /** R8: one instance's state folder deleted (a lost disk) while it is down; its state comes back from the changelogs. */
    Row r8() throws Exception {
        double load = rateOf("R8");
        int n = otherJobs(load);
        try (Run run = new Run("R8", 2, n, load)) {
            run.start(2);
            Instance victim = run.instances.get(0);
            run.at(n * 2 / 5, "kill -9 of p1, its state folder deleted", () -> {
                run.fault();
                victim.kill();
                victim.wipeState();
                run.restart(victim);
            });
            run.publish(0.1);
            return run.finish("kill -9 of an instance at job " + n * 2 / 5 + ", its state folder deleted, restarted at once", 2,
                    run.noDeadLetters());
        }
    }

    /** One scenario's run: a fresh stack, the model stub, the processor instances, the load, and the counts after it. */
    private final class Run implements AutoCloseable {
        final String name;
        final int jobCount;
        /** This run's load, in jobs per second. */
        final double rate;
        final long began = System.nanoTime();
        final DevStack stack;
        final ModelStub stub;
        final BenchScenario scenario;
        final List<Instance> instances = new ArrayList<>();
        final ResultArrivals arrivals;
        final CommittedRecords records;
        final CostLedger ledger;
        final List<Long> faultsAt = new ArrayList<>();
        final java.util.TreeMap<Integer, List<Action>> actions = new java.util.TreeMap<>();
        final List<Thread> background = new ArrayList<>();
        final AtomicReference<Throwable> backgroundError = new AtomicReference<>();
        final Map<String, byte[]> poisonBytes = new HashMap<>();
        /** The time from a fault until the affected part writes again: results, unless a scenario says otherwise. */
        java.util.function.LongFunction<Duration> recovery;
        Instance aggregator;
        Publication publication;
        /** When the last job was published: a stall is counted up to here, not in the drain after the load. */
        long publishedUntil;
        final Thread shutdownHook = new Thread(() -> {
            try {
                close();
            } catch (Exception e) {
                System.err.println("could not stop the scenario's processes: " + e);
            }
        }, "chaos-shutdown");

        Run(String name, int instanceCount, int jobCount, double rate) throws Exception {
            this.name = name;
            this.jobCount = jobCount;
            this.rate = rate;
            // Ports below the kernel's ephemeral range, so that no outgoing connection holds a killed broker's port when it
            // restarts; and a registry that keeps its schemas across a restart (R6), as a deployed one does
            int base = freePortsBelowEphemeral(8);
            // fresh brokers without the C2 compiler (see BROKER_JVM_OPTIONS)
            StackSettings settings = new StackSettings(work.resolve(name + "-stack"), base, base + 1, base + 6, base + 7, "fixed:20", true,
                    Duration.ofSeconds(120), false, 3, null, BROKER_JVM_OPTIONS);
            stack = DevStack.up(settings, false, line -> System.out.println("  " + line));
            // stopped with SIGTERM or Ctrl-C, the suite still stops the brokers, the registry and the instances it started
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            try {
                stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Fixed(MODEL_LATENCY.toMillis())));
                scenario = new BenchScenario(stack.endpoints());
                records = new CommittedRecords(stack.endpoints());
                ledger = new CostLedger(records, scenario);
                for (int i = 1; i <= instanceCount; i++) {
                    instances.add(processor(scenario, stub, name, "p" + i));
                }
                String results = scenario.names.results(scenario.tenant);
                arrivals = new ResultArrivals(stack.endpoints(), results, partitions(stack.endpoints(), results));
                recovery = arrivals::recoveryAfter;
            } catch (Exception | Error e) {
                close();
                throw e;
            }
        }

        void start(int count) throws Exception {
            for (int i = 0; i < count; i++) {
                instances.get(i).start();
            }
            awaitFirstResultOf(scenario, arrivals);
        }

        /** Runs {@code action} when job {@code index} has been published. */
        void at(int index, String what, Action action) {
            actions.computeIfAbsent(index, i -> new ArrayList<>()).add(() -> {
                if (what != null) {
                    System.out.printf(Locale.ROOT, "  %s after %d jobs%n", what, index);
                }
                action.run();
            });
        }

        /** Runs {@code action} after {@code delay} on a thread of its own, so that the load goes on meanwhile. */
        Thread later(Duration delay, Action action) {
            Thread thread = new Thread(() -> {
                try {
                    Thread.sleep(delay.toMillis());
                    action.run();
                } catch (Throwable e) {
                    backgroundError.compareAndSet(null, e);
                }
            }, "chaos-fault");
            thread.setDaemon(true);
            thread.start();
            background.add(thread);
            return thread;
        }

        /**
         * Starts a killed instance again: at once, or for experiments after {@code -Daijobs.chaos.restart.delay.ms}
         * (to measure the survivor's takeover alone).
         */
        void restart(Instance victim) throws Exception {
            long delay = Long.getLong("aijobs.chaos.restart.delay.ms", 0);
            if (delay == 0) {
                victim.start();
            } else {
                later(Duration.ofMillis(delay), victim::start);
            }
        }

        /** Marks now as the start of a fault: its recovery is measured from here. */
        void fault() {
            faultAt(System.currentTimeMillis());
        }

        synchronized void faultAt(long epochMs) {
            faultsAt.add(epochMs);
            // for experiments: -Daijobs.chaos.dumps=8,12 dumps every instance's threads that many seconds after each fault
            for (String after : System.getProperty("aijobs.chaos.dumps", "").split(",")) {
                if (!after.isBlank()) {
                    int seconds = Integer.parseInt(after.trim());
                    later(Duration.ofMillis(Math.max(0, epochMs + seconds * 1000L - System.currentTimeMillis())), () -> {
                        for (Instance instance : instances) {
                            instance.threadDump(work.resolve(name + "-" + instance.name + "-fault" + faultsAt.size() + "-" + seconds
                                    + "s.jstack"));
                        }
                    });
                }
            }
        }

        /**
         * The running instance whose stream thread owns the most partitions of the jobs topic in the processors' consumer
         * group (the first of the instances on a tie): killing it stalls the most work. An instance restarted after a
         * kill often owns no active task for minutes (its tasks stay with the survivor, which has their state), and
         * killing that one would measure nothing.
         */
        Instance busiestProcessor() throws Exception {
            String jobsTopic = scenario.names.jobs(scenario.tenant);
            String group = processorApplicationId(scenario);
            Map<Instance, Integer> owned = new java.util.LinkedHashMap<>();
            instances.forEach(instance -> owned.put(instance, 0));
            try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", stack.endpoints().bootstrapServers()))) {
                var description = admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
                for (var member : description.members()) {
                    long jobs = member.assignment().topicPartitions().stream().filter(tp -> tp.topic().equals(jobsTopic)).count();
                    instances.stream().filter(instance -> member.clientId().startsWith(instance.clientId() + "-")).findFirst()
                            .ifPresent(instance -> owned.merge(instance, (int) jobs, Integer::sum));
                }
            }
            return owned.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        }

        /**
         * The broker that leads the most partitions of the jobs topic among those that are not the active KRaft
         * controller (each node of the local stack is both). Killed with kill -9 and restarted, the active controller's
         * node failed to start again in 2 of 4 tries on this machine, its metadata log unreadable
         * ({@code CorruptRecordException: Found record size 0} in {@code __cluster_metadata-0}); that is Kafka's own
         * recovery, not the platform's, and the rolling restart still stops and starts the controller.
         */
        String leaderOfJobs() throws Exception {
            try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", stack.endpoints().bootstrapServers()))) {
                String jobsTopic = scenario.names.jobs(scenario.tenant);
                int controller = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
                Map<Integer, Long> led = new java.util.TreeMap<>();
                admin.describeTopics(List.of(jobsTopic)).allTopicNames().get(30, TimeUnit.SECONDS).get(jobsTopic).partitions()
                        .forEach(partition -> led.merge(partition.leader().id(), 1L, Long::sum));
                led.remove(controller);
                int node = led.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                        .orElseThrow(() -> new IllegalStateException("the active controller leads every jobs partition"));
                return io.aijobs.devstack.KafkaBroker.componentName(node);
            }
        }

        /** Interleaves {@code count} undecodable records with the jobs, evenly, through a plain byte producer. */
        void poison(int count) {
            org.apache.kafka.clients.producer.KafkaProducer<String, byte[]> producer = new org.apache.kafka.clients.producer.KafkaProducer<>(
                    Map.of("bootstrap.servers", stack.endpoints().bootstrapServers(), "linger.ms", 5),
                    new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer());
            String topic = scenario.names.jobs(scenario.tenant);
            int every = Math.max(1, jobCount / count);
            for (int p = 0; p < count; p++) {
                String key = "poison-" + p;
                byte[] bytes = poisonRecord(p);
                poisonBytes.put(key, bytes);
                at(p * every + 1, p == 0 ? "poison records, one every " + every + " jobs, from" : null, () -> {
                    producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, key, bytes));
                });
            }
            at(count * every + 1, null, producer::close);
        }

        /** Publishes the jobs at the rate ({@code resubmits} of them a second time, later), running the actions on the way. */
        void publish(double resubmits) throws Exception {
            Random random = new Random(42);
            AtomicLong failed = new AtomicLong();
            AtomicReference<Throwable> firstError = new AtomicReference<>();
            long published = 0;
            long start = System.nanoTime();
            try (JobPublisher publisher = scenario.publisher()) {
                for (int i = 0; i < jobCount; i++) {
                    long due = start + (long) (i / rate * 1e9);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    send(publisher, scenario, i, failed, firstError);
                    published++;
                    if (i > 0 && random.nextDouble() < resubmits) {
                        send(publisher, scenario, random.nextInt(i), failed, firstError);
                        published++;
                    }
                    for (Action action : actions.getOrDefault(i, List.of())) {
                        action.run();
                    }
                }
                for (Action action : actions.tailMap(jobCount, true).values().stream().flatMap(List::stream).toList()) {
                    action.run();
                }
                publisher.flush();
            }
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " publications failed", firstError.get());
            }
            publication = new Publication(published, jobCount);
            publishedUntil = System.currentTimeMillis();
            System.out.printf(Locale.ROOT, "  published %d (%d distinct jobs)%n", published, jobCount);
        }

        /**
         * The cost aggregator as a JVM of its own, with a monthly budget for the tenant (alerts at 50, 80 and 100%, no hard
         * limit, so no job is refused), and short grace and idle close, so that its minute windows close soon after the load.
         */
        Instance aggregator(long budgetNanos) throws Exception {
            Map<String, Object> props = new HashMap<>();
            props.put(CostAggregatorConfig.APPLICATION_ID_CONFIG, "chaos-aggregator-" + scenario.run);
            props.put(CostAggregatorConfig.BOOTSTRAP_SERVERS_CONFIG, stack.endpoints().bootstrapServers());
            props.put(CostAggregatorConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.endpoints().schemaRegistryUrl());
            props.put(CostAggregatorConfig.AUTO_REGISTER_SCHEMAS_CONFIG, "true");
            props.put(CostAggregatorConfig.TENANT_TOPIC_PREFIX_CONFIG, scenario.names.tenantPrefix());
            props.put(CostAggregatorConfig.PLATFORM_TOPIC_PREFIX_CONFIG, scenario.names.platformPrefix());
            props.put(CostAggregatorConfig.BUDGETS_CONFIG, scenario.tenant.value() + "="
                    + java.math.BigDecimal.valueOf(budgetNanos, 9).toPlainString());
            props.put(CostAggregatorConfig.BUDGET_THRESHOLDS_CONFIG, "50,80,100");
            props.put(CostAggregatorConfig.BUDGET_HARD_LIMIT_PERCENT_CONFIG, "0");
            props.put(CostAggregatorConfig.GRACE_MS_CONFIG, "2000");
            props.put(CostAggregatorConfig.IDLE_CLOSE_MS_CONFIG, "10000");
            props.put(CostAggregatorConfig.EMIT_INTERVAL_MS_CONFIG, "1000");
            aggregator = new Instance(name, "aggregator", CostAggregatorApp.class, props);
            // an aggregator that never wrote again: at least until now (and the scenario's check fails)
            recovery = at -> java.util.Objects.requireNonNullElseGet(ledger.aggregatesAfter(at),
                    () -> Duration.ofMillis(System.currentTimeMillis() - at));
            return aggregator;
        }

        synchronized long lastFault() {
            return faultsAt.get(faultsAt.size() - 1);
        }

        /** Waits until an aggregate written at or after {@code at} is committed. */
        void awaitAggregatesAfter(long at, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (ledger.aggregatesAfter(at) == null) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the aggregator wrote nothing within " + timeout.toSeconds() + " s of its restart");
                }
                Thread.sleep(1_000);
            }
        }

        /**
         * Waits (at most 3 minutes) until every minute window of the tenant is closed, through the minute of the last
         * call, then stops the aggregator and checks the costs and the alerts ({@link CostLedger#verdict}).
         */
        Check aggregatesExact(Instance aggregator) {
            return () -> {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                while (!ledger.minutesClosed() && System.nanoTime() < deadline) {
                    Thread.sleep(2_000);
                }
                aggregator.stop();
                return ledger.verdict();
            };
        }

        /** Checks that no job reached a dead-letter topic (the tenant's or the platform's). */
        Check noDeadLetters() {
            return () -> {
                long tenant = records.readAll(scenario.names.deadLetter(scenario.tenant)).size();
                long platform = records.readAll(scenario.names.platformDeadLetter()).size();
                return new Verdict(tenant + platform == 0, (tenant + platform) + " dead letters");
            };
        }

        /** Checks that every poison record is in the tenant's dead-letter topic once, holding its original bytes. */
        Check poisonDeadLettered(int count) {
            return () -> {
                Map<String, Integer> seen = new HashMap<>();
                long withBytes = 0;
                for (ConsumerRecord<String, byte[]> record : records.readAll(scenario.names.deadLetter(scenario.tenant))) {
                    byte[] original = poisonBytes.get(record.key());
                    if (original == null) {
                        return new Verdict(false, "a dead letter that is not a poison record: " + record.key());
                    }
                    seen.merge(record.key(), 1, Integer::sum);
                    if (contains(record.value(), original)) {
                        withBytes++;
                    }
                }
                long twice = seen.values().stream().filter(c -> c > 1).count();
                return new Verdict(seen.size() == count && twice == 0 && withBytes == count, seen.size() + " of " + count
                        + " poison records dead-lettered, " + twice + " of them twice, " + withBytes + " with their original bytes");
            };
        }

        /**
         * Waits for every job's result (at most 5 minutes), stops the instances, reads what was written and counts.
         *
         * @param taskMoves how many times the faults can hand tasks from one instance to another, for the bound on repeated calls
         */
        Row finish(String faults, int taskMoves, Check check) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (arrivals.distinct() < publication.distinct() && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            for (Thread thread : background) {
                thread.join(TimeUnit.MINUTES.toMillis(3));
                if (thread.isAlive()) {
                    // a fault action still under way (a broker restart that does not end): the row cannot count it
                    throw new IllegalStateException("a fault action did not finish within 3 minutes of the last job's result");
                }
            }
            if (backgroundError.get() != null) {
                throw new IllegalStateException("a fault action failed", backgroundError.get());
            }
            for (Instance instance : instances) {
                instance.stop();
            }
            // every processor has stopped: nothing more can be written; read to the end once more
            arrivals.drain();
            long paidTwice = stub.callsByIdempotencyKey().values().stream().mapToLong(count -> Math.max(0, count - 1)).sum();
            long bound = paidCallBound(taskMoves, rate);
            List<Recovery> recoveries = new ArrayList<>();
            List<Optional<Duration>> stalls = new ArrayList<>();
            List<Long> times = faultsAt.stream().sorted().toList();
            for (int i = 0; i < times.size(); i++) {
                long at = times.get(i);
                long next = i + 1 < times.size() ? times.get(i + 1) : Long.MAX_VALUE;
                Duration time = recovery.apply(at);
                recoveries.add(new Recovery(time, at + time.toMillis() > next));
                long until = Math.min(publishedUntil, next);
                // a fault after the last job was published has no window: "none", not a stall of 0
                stalls.add(until > at ? Optional.of(arrivals.longestStall(at, until)) : Optional.empty());
                System.out.println("  results after the fault at " + Instant.ofEpochMilli(at) + " (ms, per partition last before/first after): "
                        + arrivals.around(at));
            }
            long lost = publication.distinct() - arrivals.distinct();
            long duplicates = arrivals.total() - arrivals.distinct();
            Verdict verdict = check.verdict();
            boolean passed = lost == 0 && duplicates == 0 && paidTwice <= bound && verdict.ok();
            return new Row(name, faults, rate, publication.published(), publication.distinct(), arrivals.distinct(), lost, duplicates,
                    paidTwice, bound, recoveries, stalls, verdict, passed, Duration.ofNanos(System.nanoTime() - began));
        }

        @Override
        public void close() throws Exception {
            // fault actions still under way are stopped first, so that none starts a process after the stack is closed
            for (Thread thread : background) {
                thread.interrupt();
            }
            for (Thread thread : background) {
                thread.join(TimeUnit.SECONDS.toMillis(60));
            }
            for (Instance instance : instances) {
                instance.kill();
            }
            if (aggregator != null) {
                aggregator.kill();
            }
            if (arrivals != null) {
                arrivals.close();
            }
            if (stub != null) {
                stub.close();
            }
            stack.close();
            if (Thread.currentThread() != shutdownHook) {
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running or about to: it closes again, which is harmless
                }
            }
        }
    }

    /**
     * The bound on calls the model service sees twice. A call is repeated only when the task that started it moves to
     * another instance (or restarts) before the commit that records its completion: each move repeats at most the calls
     * in flight ({@code max.in.flight}) and those completed since the last commit (completions per second of one instance
     * × {@code commit.interval.ms}). A kill moves a task twice (to the survivor, then back to the restarted instance).
     */
    private static long paidCallBound(int taskMoves, double rate) {
        return (long) taskMoves * (MAX_IN_FLIGHT + (long) Math.ceil(rate * COMMIT_INTERVAL.toMillis() / 1000.0));
    }

    /** The first of {@code count} consecutive free 127.0.0.1 ports in [20000, 32000), below Linux's ephemeral range. */
    private static int freePortsBelowEphemeral(int count) {
        Random random = new Random();
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = 20_000 + random.nextInt(12_000 - count);
            boolean free = true;
            for (int port = base; port < base + count && free; port++) {
                try (java.net.ServerSocket socket = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                    socket.setReuseAddress(false);
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) {
                return base;
            }
        }
        throw new IllegalStateException("no " + count + " consecutive free ports in [20000, 32000)");
    }

    private static final Duration COMMIT_INTERVAL = Duration.ofMillis(100);

    /** Three kinds of undecodable record, in turn: no magic byte, an unknown schema id, truncated Avro. */
    private static byte[] poisonRecord(int index) {
        byte[] marker = ("poison record " + index).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(5 + marker.length);
        switch (index % 3) {
            case 0 -> buffer.put((byte) 'x').putInt(0x20202020);
            case 1 -> buffer.put((byte) 0).putInt(999_999);
            default -> buffer.put((byte) 0).putInt(1);
        }
        buffer.put(marker);
        return buffer.array();
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @FunctionalInterface
    private interface Action {
        void run() throws Exception;
    }

    /** A scenario's own check after the run. */
    @FunctionalInterface
    private interface Check {
        Verdict verdict() throws Exception;
    }

    /** What a scenario's own check found, and whether that passes. */
    record Verdict(boolean ok, String text) {
    }

    private record Publication(long published, long distinct) {
    }

    private static void send(JobPublisher publisher, BenchScenario scenario, int index, AtomicLong failed, AtomicReference<Throwable> error) {
        publisher.publish(scenario.job(index)).whenComplete((metadata, e) -> {
            if (e != null) {
                failed.incrementAndGet();
                error.compareAndSet(null, e);
            }
        });
    }

    private static void awaitFirstResultOf(BenchScenario scenario, ResultArrivals arrivals) throws Exception {
        try (JobPublisher publisher = scenario.publisher()) {
            publisher.publish(scenario.job(-1)).get(60, TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!arrivals.probeSeen() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        if (!arrivals.probeSeen()) {
            throw new IllegalStateException("the processors gave no result within 3 minutes of starting");
        }
    }

    private static int partitions(StackEndpoints stack, String topic) throws Exception {
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions().size();
        }
    }

    /** A processor instance: the benchmarks' processor settings with its own application id, state folder and metrics port. */
    /** The processors' application.id in a scenario: their consumer group, and the prefix of their client ids. */
    private static String processorApplicationId(BenchScenario scenario) {
        return "chaos-" + scenario.run;
    }

    private Instance processor(BenchScenario scenario, ModelStub stub, String run, String name) throws Exception {
        // the benchmarks' processor settings, with the default model timeout
        Map<String, Object> props = scenario.processorConfig(stub.baseUrl(), MAX_IN_FLIGHT);
        props.put(ProcessorConfig.APPLICATION_ID_CONFIG, processorApplicationId(scenario));
        props.remove(ProcessorConfig.MODEL_TIMEOUT_MS_CONFIG);
        props.put(ProcessorConfig.METRICS_PORT_CONFIG, "0");
        // each instance's clients named after it, to tell the group's members apart (R1 kills the busiest)
        props.put(ProcessorConfig.STREAMS_PREFIX + "client.id", processorApplicationId(scenario) + "-" + name);
        STREAMS_OVERRIDES.forEach((key, value) -> props.put(ProcessorConfig.STREAMS_PREFIX + key, value.replace("{instance}", name)));
        PROCESSOR_OVERRIDES.forEach(props::put);
        return new Instance(run, name, ProcessorApp.class, props);
    }

    /** One application instance: a JVM of its own with a fixed state folder, so a restart is the same instance. */
    private final class Instance {
        private final String name;
        private final Class<?> main;
        private final Path config;
        private final Path log;
        private final Path state;
        /** Kafka Streams' client.id of the instance (its clients' ids start with it), empty if not set. */
        private final String clientId;
        private Process process;

        Instance(String run, String name, Class<?> main, Map<String, Object> props) throws Exception {
            this.name = name;
            this.main = main;
            this.state = Files.createDirectories(work.resolve(run + "-" + name + "-state"));
            this.clientId = String.valueOf(props.getOrDefault(ProcessorConfig.STREAMS_PREFIX + "client.id", ""));
            Properties file = new Properties();
            props.forEach((key, value) -> file.setProperty(key, String.valueOf(value)));
            file.setProperty(ProcessorConfig.STREAMS_PREFIX + "state.dir", state.toString());
            this.config = work.resolve(run + "-" + name + ".properties");
            try (Writer out = Files.newBufferedWriter(config)) {
                file.store(out, "chaos " + main.getSimpleName() + " " + name);
            }
            this.log = work.resolve(run + "-" + name + ".log");
        }

        void start() throws IOException {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
            String extra = System.getProperty("aijobs.chaos.jvm", "");
            if (!extra.isBlank()) {
                command.addAll(List.of(extra.trim().split("\\s+")));
            }
            command.addAll(List.of("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.aijobs.schema", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-Dorg.slf4j.simpleLogger.log.org.apache.kafka=" + System.getProperty("aijobs.chaos.kafka.log", "warn"),
                    "-cp", System.getProperty("java.class.path"), main.getName(), config.toString()));
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        }

        /** For experiments: the instance's thread dump, appended to {@code file} (nothing when it is not running). */
        void threadDump(Path file) throws IOException, InterruptedException {
            if (process != null && process.isAlive()) {
                Process jstack = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstack").toString(),
                        Long.toString(process.pid())).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(file.toFile()))
                        .start();
                jstack.waitFor(30, TimeUnit.SECONDS);
            }
        }

        String clientId() {
            return clientId;
        }

        /** SIGKILL, as kill -9: no shutdown hook runs, nothing is committed or closed. */
        void kill() throws InterruptedException {
            if (process != null && process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }

        /** Deletes the state folder's contents, as a lost disk would; only while the instance is down. */
        void wipeState() throws IOException {
            if (process != null && process.isAlive()) {
                throw new IllegalStateException(name + " is running");
            }
            try (var files = Files.walk(state)) {
                for (Path path : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    if (!path.equals(state)) {
                        Files.delete(path);
                    }
                }
            }
        }

        /** SIGTERM, and wait for the close (it commits and leaves the group). */
        void stop() throws InterruptedException {
            if (process != null && process.isAlive()) {
                process.destroy();
                if (!process.waitFor(90, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }
}
