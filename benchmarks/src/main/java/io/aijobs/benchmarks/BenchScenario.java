package io.aijobs.benchmarks;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicNames;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.processor.ProcessorConfig;
import io.aijobs.producer.JobPublisher;
import io.aijobs.producer.PublisherConfig;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.serde.AvroDeserializer;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.HdrHistogram.Histogram;

/** One contender's own topics (own prefixes, so patterns never overlap), with helpers to load and observe them. */
final class BenchScenario {

    static final int PARTITIONS = 6;

    final StackEndpoints stack;
    final String run = UUID.randomUUID().toString().substring(0, 8);
    final TopicNames names = new TopicNames("b" + run + ".tenant.", "b" + run + ".platform.");
    final TenantId tenant = TenantId.of("bench");

    BenchScenario(StackEndpoints stack, String... extraTopics) throws Exception {
        this.stack = stack;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            List<NewTopic> topics = new ArrayList<>();
            io.aijobs.contracts.TopicCatalog.of(names).topics(List.of(tenant)).forEach(spec -> topics.add(spec.newTopic(Map.of())));
            for (String topic : extraTopics) {
                topics.add(new NewTopic(topic, PARTITIONS, (short) 1));
            }
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
            io.aijobs.devstack.TopicReadiness.await(admin, topics.stream().map(NewTopic::name).toList(), Duration.ofSeconds(60));
        }
    }

    /** Creates the topics of one more tenant (the platform's exist already). */
    void addTenant(TenantId other) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            List<NewTopic> topics = new ArrayList<>();
            String prefix = names.tenantPrefix() + other.value() + ".";
            io.aijobs.contracts.TopicCatalog.of(names).topics(List.of(other)).stream().filter(spec -> spec.name().startsWith(prefix))
                    .forEach(spec -> topics.add(spec.newTopic(Map.of())));
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
            io.aijobs.devstack.TopicReadiness.await(admin, topics.stream().map(NewTopic::name).toList(), Duration.ofSeconds(60));
        }
    }

    JobPublisher publisher() {
        return JobPublisher.create(Map.of(
                PublisherConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                PublisherConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl(),
                PublisherConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true,
                PublisherConfig.TENANT_TOPIC_PREFIX_CONFIG, names.tenantPrefix(),
                PublisherConfig.PLATFORM_TOPIC_PREFIX_CONFIG, names.platformPrefix(),
                "linger.ms", 5,
                // see TopicReadiness: one batch in flight per partition keeps a retried first batch in order
                "max.in.flight.requests.per.connection", 1));
    }

    JobRequest job(int index) {
        return job(tenant, "job-" + index, index);
    }

    JobRequest job(TenantId owner, String jobId, int index) {
        return JobRequest.newBuilder().setJobId(jobId).setTenantId(owner.value()).setModel("stub-model")
                .setMessages(List.of(new ChatMessage("user", "Summarise ticket " + index + ": the invoice fails to download.")))
                .setParameters(JobParameters.newBuilder().setMaxOutputTokens(32).build())
                .setSubmittedAt(Instant.now()).build();
    }

    /** Publishes {@code count} jobs and waits for their acknowledgements. */
    void preload(int count) {
        preload(tenant, count);
    }

    /** Publishes {@code count} jobs of {@code owner} as fast as the publisher goes, and waits for their acknowledgements. */
    void preload(TenantId owner, int count) {
        java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicReference<Throwable> firstError = new java.util.concurrent.atomic.AtomicReference<>();
        try (JobPublisher publisher = publisher()) {
            for (int i = 0; i < count; i++) {
                publisher.publish(job(owner, "job-" + i, i)).whenComplete((metadata, error) -> {
                    if (error != null) {
                        failed.incrementAndGet();
                        firstError.compareAndSet(null, error);
                    }
                });
            }
            publisher.flush();
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " of " + count + " jobs were not acknowledged", firstError.get());
        }
    }

    Map<String, Object> processorConfig(String modelBaseUrl, int maxInFlight) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(ProcessorConfig.APPLICATION_ID_CONFIG, "bench-" + run);
        props.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
        props.put(ProcessorConfig.AUTO_REGISTER_SCHEMAS_CONFIG, "true");
        props.put(ProcessorConfig.TENANT_TOPIC_PREFIX_CONFIG, names.tenantPrefix());
        props.put(ProcessorConfig.PLATFORM_TOPIC_PREFIX_CONFIG, names.platformPrefix());
        props.put(ProcessorConfig.MODEL_BASE_URL_CONFIG, modelBaseUrl);
        props.put(ProcessorConfig.MAX_IN_FLIGHT_CONFIG, Integer.toString(maxInFlight));
        props.put(ProcessorConfig.PRICING_MODELS_CONFIG, "stub-model=0.15:0.60");
        props.put(ProcessorConfig.MODEL_TIMEOUT_MS_CONFIG, "300000");
        props.put(ProcessorConfig.STREAMS_PREFIX + "state.dir", Files.createTempDirectory("bench-").toString());
        // -Daijobs.bench.processor=key=value,...: processor settings to try, printed with the results
        String overrides = System.getProperty("aijobs.bench.processor", "");
        for (String entry : overrides.split(",")) {
            if (!entry.isBlank()) {
                props.put(entry.substring(0, entry.indexOf('=')).trim(), entry.substring(entry.indexOf('=') + 1).trim());
            }
        }
        return props;
    }

    /**
     * Watches a results topic from the beginning on its own thread: arrival times, and for B3 the time from
     * submission to visibility minus the model latency.
     */
    final class ResultWatcher implements AutoCloseable {
        private final Thread thread;
        private volatile boolean running = true;
        private volatile long count;
        private volatile long firstNanos;
        private volatile long lastNanos;
        private final Histogram overheadMs = new Histogram(3_600_000L, 3);
        private final List<Long> arrivals = java.util.Collections.synchronizedList(new ArrayList<>());
        /** Per result: when its job was submitted and how long until it was visible here (ms). */
        private final List<long[]> endToEnd = java.util.Collections.synchronizedList(new ArrayList<>());

        private final boolean results;

        /** @param results the topic holds JobResults (else records are only counted) */
        ResultWatcher(String topic, boolean results) {
            this.results = results;
            thread = new Thread(() -> watch(topic), "result-watcher");
            thread.setDaemon(true);
            thread.start();
        }

        private void watch(String topic) {
            AvroDeserializer<JobResult> decoder = new AvroDeserializer<>(JobResult.class,
                    new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10)));
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000), new StringDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = new ArrayList<>();
                for (int p = 0; p < PARTITIONS; p++) {
                    partitions.add(new TopicPartition(topic, p));
                }
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                while (running) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                        long now = System.nanoTime();
                        if (count == 0) {
                            firstNanos = now;
                        }
                        lastNanos = now;
                        arrivals.add(now);
                        count++;
                        if (!results) {
                            continue;
                        }
                        JobResult result = decoder.deserialize(topic, record.value());
                        long visibleMs = System.currentTimeMillis() - result.getTimings().getSubmittedAt().toEpochMilli();
                        long submitted = result.getTimings().getSubmittedAt().toEpochMilli();
                        endToEnd.add(new long[] {submitted, visibleMs, result.getTimings().getStartedAt().toEpochMilli() - submitted,
                                result.getTimings().getCompletedAt().toEpochMilli() - submitted});
                        long overhead = visibleMs - result.getTimings().getModelLatencyMs();
                        synchronized (overheadMs) {
                            overheadMs.recordValue(Math.max(0, overhead));
                        }
                    }
                }
            }
        }

        long count() {
            return count;
        }

        /**
         * Steady-state results per second: between the 10th and the 90th percentile of arrivals, so that neither the
         * warm-up (first connections, JIT, schema registration) nor the drain at the end counts.
         */
        double rate() {
            List<Long> snapshot;
            synchronized (arrivals) {
                snapshot = new ArrayList<>(arrivals);
            }
            if (snapshot.size() < 10) {
                return snapshot.size() < 2 ? 0 : (snapshot.size() - 1) / ((lastNanos - firstNanos) / 1e9);
            }
            int from = snapshot.size() / 10;
            int to = snapshot.size() * 9 / 10;
            return (to - from) / ((snapshot.get(to) - snapshot.get(from)) / 1e9);
        }

        /** End-to-end latency (submitted to visible here) of the results whose jobs were submitted in [fromMs, toMs). */
        Histogram endToEnd(long fromMs, long toMs) {
            Histogram histogram = new Histogram(3_600_000L, 3);
            synchronized (endToEnd) {
                for (long[] result : endToEnd) {
                    if (result[0] >= fromMs && result[0] < toMs) {
                        histogram.recordValue(Math.max(0, result[1]));
                    }
                }
            }
            return histogram;
        }

        /** The worst end-to-end latency (ms) of the results whose jobs were submitted in each second from {@code fromMs}. */
        String worstBySecond(long fromMs, long toMs) {
            java.util.TreeMap<Long, Long> worst = new java.util.TreeMap<>();
            java.util.TreeMap<Long, Long> startWorst = new java.util.TreeMap<>();
            java.util.TreeMap<Long, Long> completeWorst = new java.util.TreeMap<>();
            synchronized (endToEnd) {
                for (long[] result : endToEnd) {
                    if (result[0] >= fromMs && result[0] < toMs) {
                        worst.merge((result[0] - fromMs) / 1000, result[1], Math::max);
                        startWorst.merge((result[0] - fromMs) / 1000, result[2], Math::max);
                        completeWorst.merge((result[0] - fromMs) / 1000, result[3], Math::max);
                    }
                }
            }
            return "visible " + worst + "; started " + startWorst + "; completed " + completeWorst;
        }

        Histogram overhead() {
            synchronized (overheadMs) {
                return overheadMs.copy();
            }
        }

        void awaitCount(long expected, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (count < expected && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            if (count < expected) {
                throw new IllegalStateException("only " + count + " of " + expected + " results within " + timeout);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(10_000);
        }
    }

    /** Waits until {@code streams} is RUNNING, at most {@code timeout}; fails naming the state it was left in. */
    static void awaitRunning(org.apache.kafka.streams.KafkaStreams streams, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != org.apache.kafka.streams.KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Kafka Streams not RUNNING after " + timeout + ": " + streams.state());
            }
            Thread.sleep(100);
        }
    }
}
