package io.aijobs.benchmarks;

import io.aijobs.devstack.DevStack;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.StackSettings;
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
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The reliability suite: faults injected into a running deployment under load, then what was lost, duplicated and
 * paid twice, and how long the affected partitions stood still. Each scenario runs on a fresh stack of three brokers,
 * with the model stub in this JVM (it counts calls per {@code Idempotency-Key}) and the processor instances as JVMs
 * of their own, so that a fault is a real {@code kill -9}.
 *
 * <pre>
 * ./benchmarks/run-chaos [--scenario R1] [--jobs N] [--kills K] [--rate JOBS_PER_S]   (writes docs/reliability.md)
 * ./benchmarks/run-chaos --short                                                  (CI: 3,000 jobs, 2 kills, no report)
 * </pre>
 *
 * <p>What a row counts, read after every processor has stopped (so nothing more can be written) by a
 * {@code read_committed} consumer from the beginning of the results topic:
 * <ul>
 *   <li>lost: distinct jobs published minus distinct jobs with a result;</li>
 *   <li>duplicate results: results minus distinct jobs with a result;</li>
 *   <li>duplicate paid calls: requests the stub saw beyond the first for each {@code Idempotency-Key}, against the bound
 *       {@code kills × (max.in.flight + completions per second of one instance × commit.interval.ms)}: a crash repeats
 *       at most the calls in flight and those finished since the last commit;</li>
 *   <li>recovery: per fault, from the kill until every partition of the jobs topic has produced a result again, as the
 *       consumer sees it (the worst partition).</li>
 * </ul>
 */
public final class ChaosSuite {

    private static final int MAX_IN_FLIGHT = 256;
    private static final Duration MODEL_LATENCY = Duration.ofMillis(200);
    /** Extra Kafka Streams settings of every instance, from -Daijobs.chaos.streams=key=value,... ({instance}: its name). */
    private static final Map<String, String> STREAMS_OVERRIDES = overrides(System.getProperty("aijobs.chaos.streams", ""));

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

    private final int jobs;
    private final int kills;
    private final double rate;
    private final Path work;

    private ChaosSuite(int jobs, int kills, double rate, Path work) {
        this.jobs = jobs;
        this.kills = kills;
        this.rate = rate;
        this.work = work;
    }

    /** One scenario's row of the report. */
    record Row(String scenario, String faults, long published, long distinctJobs, long distinctResults, long lost, long duplicateResults,
               long duplicatePaidCalls, long paidCallBound, List<Duration> recoveries, boolean passed, Duration took) {

        Duration worstRecovery() {
            return recoveries.stream().max(Duration::compareTo).orElse(Duration.ZERO);
        }
    }

    public static void main(String[] args) throws Exception {
        int jobs = 20_000;
        int kills = 5;
        double rate = 100;
        Path out = null;
        boolean shortForm = false;
        String scenario = "R1";
        List<String> shown = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                int from = i;
                switch (args[i]) {
                    case "--jobs" -> jobs = Integer.parseInt(args[++i]);
                    case "--kills" -> kills = Integer.parseInt(args[++i]);
                    case "--rate" -> rate = Double.parseDouble(args[++i]);
                    case "--out" -> out = Path.of(args[++i]);
                    case "--scenario" -> scenario = args[++i];
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
        if (shortForm) {
            // CI: a few minutes, no report
            jobs = 3_000;
            kills = 2;
            rate = 100;
            out = null;
        }
        if (!scenario.equalsIgnoreCase("R1")) {
            usage("scenario " + scenario + " is not built yet; R1 is");
        }
        Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "chaos-");
        Row row = new ChaosSuite(jobs, kills, rate, work).r1();
        System.out.println(describe(row));
        if (out != null) {
            write(out, List.of(row), String.join(" ", shown));
            System.out.println("Wrote " + out);
        }
        System.exit(row.passed() ? 0 : 1);
    }

    private static void usage(String error) {
        System.err.println("error: " + error);
        System.err.println("usage: run-chaos [--scenario R1] [--jobs N] [--kills K] [--rate JOBS_PER_S] [--short] [--out FILE]");
        System.exit(2);
    }

    /** R1: kill -9 of a processor instance {@code kills} times during the load, 10% of the jobs published twice. */
    Row r1() throws Exception {
        long began = System.nanoTime();
        StackSettings settings = StackSettings.ephemeral(work.resolve("stack")).withBrokers(3);
        try (DevStack stack = DevStack.up(settings, false, line -> System.out.println("  " + line));
             ModelStub stub = ModelStub.start(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Fixed(MODEL_LATENCY.toMillis())))) {
            BenchScenario scenario = new BenchScenario(stack.endpoints());
            List<Instance> instances = List.of(new Instance(scenario, stub, "p1"), new Instance(scenario, stub, "p2"));
            for (Instance instance : instances) {
                instance.start();
            }
            String results = scenario.names.results(scenario.tenant);
            int partitions = partitions(stack.endpoints(), results);
            try (Arrivals arrivals = new Arrivals(stack.endpoints(), results, partitions)) {
                awaitFirstResultOf(scenario, arrivals);
                List<Long> killedAt = new ArrayList<>();
                Publication publication = publish(scenario, instances, killedAt);
                System.out.printf(Locale.ROOT, "  published %d (%d distinct jobs)%n", publication.published(), publication.distinct());
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
                while (arrivals.distinct() < publication.distinct() && System.nanoTime() < deadline) {
                    Thread.sleep(500);
                }
                for (Instance instance : instances) {
                    instance.stop();
                }
                // every processor has stopped: nothing more can be written; read to the end once more
                arrivals.drain();
                long paidTwice = stub.callsByIdempotencyKey().values().stream().mapToLong(count -> Math.max(0, count - 1)).sum();
                double perInstance = rate / instances.size();
                long commitIntervalMs = 100;
                long bound = (long) killedAt.size() * (MAX_IN_FLIGHT + (long) Math.ceil(perInstance * commitIntervalMs / 1000.0));
                List<Duration> recoveries = new ArrayList<>();
                for (long kill : killedAt) {
                    recoveries.add(arrivals.recoveryAfter(kill));
                }
                long lost = publication.distinct() - arrivals.distinct();
                long duplicates = arrivals.total() - arrivals.distinct();
                boolean passed = lost == 0 && duplicates == 0 && paidTwice <= bound;
                return new Row("R1", killedAt.size() + " × kill -9 of a processor instance (of 2, alternately), restarted at once, "
                        + "every ~" + Math.round(jobs * 0.8 / (kills + 1) / rate) + " s under load (" + Math.round(rate) + " jobs/s)",
                        publication.published(), publication.distinct(),
                        arrivals.distinct(), lost, duplicates, paidTwice, bound, recoveries, passed,
                        Duration.ofNanos(System.nanoTime() - began));
            } finally {
                for (Instance instance : instances) {
                    instance.kill();
                }
            }
        }
    }

    private record Publication(long published, long distinct) {
    }

    /**
     * Publishes the jobs at the rate, 10% of them twice (the same jobId, later), and kills an instance (alternating)
     * at evenly spaced points of the first 80% of the load, restarting it at once.
     */
    private Publication publish(BenchScenario scenario, List<Instance> instances, List<Long> killedAt) throws Exception {
        Random random = new Random(42);
        AtomicLong failed = new AtomicLong();
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        long published = 0;
        long start = System.nanoTime();
        int killEvery = (int) (jobs * 0.8 / (kills + 1));
        int killed = 0;
        try (JobPublisher publisher = scenario.publisher()) {
            for (int i = 0; i < jobs; i++) {
                long due = start + (long) (i / rate * 1e9);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                send(publisher, scenario, i, failed, firstError);
                published++;
                if (i > 0 && random.nextDouble() < 0.1) {
                    send(publisher, scenario, random.nextInt(i), failed, firstError);
                    published++;
                }
                if (killed < kills && i > 0 && i % killEvery == 0) {
                    Instance victim = instances.get(killed % instances.size());
                    killedAt.add(System.currentTimeMillis());
                    victim.kill();
                    victim.start();
                    killed++;
                    System.out.printf(Locale.ROOT, "  kill -9 of %s after %d jobs; restarted%n", victim.name, i);
                }
            }
            publisher.flush();
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " publications failed", firstError.get());
        }
        return new Publication(published, jobs);
    }

    private static void send(JobPublisher publisher, BenchScenario scenario, int index, AtomicLong failed, AtomicReference<Throwable> error) {
        publisher.publish(scenario.job(index)).whenComplete((metadata, e) -> {
            if (e != null) {
                failed.incrementAndGet();
                error.compareAndSet(null, e);
            }
        });
    }

    private static void awaitFirstResultOf(BenchScenario scenario, Arrivals arrivals) throws Exception {
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

    /** One processor instance: a JVM of its own with a fixed state folder, so a restart is the same instance. */
    private final class Instance {
        private final String name;
        private final Path config;
        private final Path log;
        private Process process;

        Instance(BenchScenario scenario, ModelStub stub, String name) throws IOException {
            this.name = name;
            Map<String, Object> props = new HashMap<>();
            props.put(ProcessorConfig.APPLICATION_ID_CONFIG, "chaos-" + scenario.run);
            props.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, scenario.stack.bootstrapServers());
            props.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, scenario.stack.schemaRegistryUrl());
            props.put(ProcessorConfig.AUTO_REGISTER_SCHEMAS_CONFIG, "true");
            props.put(ProcessorConfig.TENANT_TOPIC_PREFIX_CONFIG, scenario.names.tenantPrefix());
            props.put(ProcessorConfig.PLATFORM_TOPIC_PREFIX_CONFIG, scenario.names.platformPrefix());
            props.put(ProcessorConfig.MODEL_BASE_URL_CONFIG, stub.baseUrl());
            props.put(ProcessorConfig.MAX_IN_FLIGHT_CONFIG, Integer.toString(MAX_IN_FLIGHT));
            props.put(ProcessorConfig.PRICING_MODELS_CONFIG, "stub-model=0.15:0.60");
            props.put(ProcessorConfig.METRICS_PORT_CONFIG, "0");
            props.put(ProcessorConfig.STREAMS_PREFIX + "state.dir", Files.createDirectories(work.resolve(name + "-state")).toString());
            STREAMS_OVERRIDES.forEach((key, value) -> props.put(ProcessorConfig.STREAMS_PREFIX + key, value.replace("{instance}", name)));
            Properties file = new Properties();
            props.forEach((key, value) -> file.setProperty(key, String.valueOf(value)));
            this.config = work.resolve(name + ".properties");
            try (Writer out = Files.newBufferedWriter(config)) {
                file.store(out, "chaos processor " + name);
            }
            this.log = work.resolve(name + ".log");
        }

        void start() throws IOException {
            process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                    "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.aijobs.schema", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-cp", System.getProperty("java.class.path"), ProcessorApp.class.getName(), config.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        }

        /** SIGKILL, as kill -9: no shutdown hook runs, nothing is committed or closed. */
        void kill() throws InterruptedException {
            if (process != null && process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
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

    /** The job published first, to know the processors answer before the load starts; not counted. */
    private static final String PROBE = "job--1";

    /** Every committed result from the beginning, on its own thread: counts by jobId, and arrival times by partition. */
    private static final class Arrivals implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        private final List<TopicPartition> partitions = new ArrayList<>();
        private final Map<String, Integer> byJob = new HashMap<>();
        private final List<List<Long>> byPartition = new ArrayList<>();
        private final Thread thread;
        private volatile boolean running = true;
        private long total;
        private boolean probeSeen;

        Arrivals(StackEndpoints stack, String topic, int partitionCount) {
            consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer());
            for (int p = 0; p < partitionCount; p++) {
                partitions.add(new TopicPartition(topic, p));
                byPartition.add(new ArrayList<>());
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            thread = new Thread(this::run, "chaos-arrivals");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            while (running) {
                poll();
            }
        }

        private void poll() {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                long now = System.currentTimeMillis();
                synchronized (this) {
                    if (record.key().equals(PROBE)) {
                        probeSeen = true;
                        continue;
                    }
                    total++;
                    byJob.merge(record.key(), 1, Integer::sum);
                    byPartition.get(record.partition()).add(now);
                }
            }
        }

        synchronized long total() {
            return total;
        }

        synchronized boolean probeSeen() {
            return probeSeen;
        }

        synchronized long distinct() {
            return byJob.size();
        }

        /** Reads what is left up to the end offsets, on the caller's thread once the watcher stopped. */
        void drain() throws InterruptedException {
            running = false;
            thread.join(10_000);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                poll();
            }
        }

        /** The worst partition's wait, from {@code killedAt} to its first result after it; partitions with none are left out. */
        synchronized Duration recoveryAfter(long killedAt) {
            long worst = 0;
            for (List<Long> times : byPartition) {
                for (long time : times) {
                    if (time >= killedAt) {
                        worst = Math.max(worst, time - killedAt);
                        break;
                    }
                }
            }
            return Duration.ofMillis(worst);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(10_000);
            consumer.close();
        }
    }

    static String describe(Row row) {
        return String.format(Locale.ROOT, "%s: published %d (%d distinct), results %d distinct, lost %d, duplicate results %d, "
                        + "duplicate paid calls %d (bound %d), recovery %s (worst %.1f s), %s in %.0f s", row.scenario(), row.published(),
                row.distinctJobs(), row.distinctResults(), row.lost(), row.duplicateResults(), row.duplicatePaidCalls(), row.paidCallBound(),
                row.recoveries().stream().map(d -> String.format(Locale.ROOT, "%.1f", d.toMillis() / 1000.0)).toList(),
                row.worstRecovery().toMillis() / 1000.0, row.passed() ? "PASS" : "FAIL", row.took().toMillis() / 1000.0);
    }

    private static void write(Path out, List<Row> rows, String args) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Reliability\n\n");
        md.append("Command: `./benchmarks/run-chaos").append(args.isBlank() ? "" : " " + args).append("`\n\n");
        md.append(String.format(Locale.ROOT, "Run: %s on %d cores, Java %s, %s %s.%n%n", Instant.now(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), System.getProperty("os.name"),
                System.getProperty("os.arch")));
        md.append("Each scenario runs on a fresh local stack of three brokers (replication factor 3, min.insync.replicas 2), "
                + "two processor instances in JVMs of their own (max.in.flight " + MAX_IN_FLIGHT + "), and the model stub ("
                + MODEL_LATENCY.toMillis() + " ms per call). Counts are read by a read_committed consumer after every processor "
                + "has stopped. Duplicate paid calls are requests the stub saw again with the same Idempotency-Key; their bound is "
                + "kills × (max.in.flight + one instance's completions per second × commit.interval.ms of 100). Recovery is, per "
                + "fault, the time from the kill until every partition has produced a result again.\n\n");
        md.append("| scenario | faults | published (with resubmits) | distinct jobs | distinct results | lost | duplicate results "
                + "| duplicate paid calls (bound) | recovery per fault (s) | result |\n");
        md.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Row row : rows) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %d | %d | %d | %d (%d) | %s | %s |%n", row.scenario(), row.faults(),
                    row.published(), row.distinctJobs(), row.distinctResults(), row.lost(), row.duplicateResults(), row.duplicatePaidCalls(),
                    row.paidCallBound(), String.join(", ", row.recoveries().stream()
                            .map(d -> String.format(Locale.ROOT, "%.1f", d.toMillis() / 1000.0)).toList()),
                    row.passed() ? "pass" : "FAIL"));
        }
        Duration worst = rows.stream().map(Row::worstRecovery).max(Duration::compareTo).orElse(Duration.ZERO);
        md.append(String.format(Locale.ROOT, "%nRecovery goal after kill -9 of a processor instance: 15 s or less. Worst in this run: "
                + "%.1f s, %s.%n", worst.toMillis() / 1000.0, worst.compareTo(Duration.ofSeconds(15)) <= 0 ? "met" : "not met"));
        Files.writeString(out, md.toString());
    }
}
