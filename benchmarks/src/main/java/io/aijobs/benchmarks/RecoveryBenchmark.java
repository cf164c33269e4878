package io.aijobs.benchmarks;

import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.processor.JobTopology;
import io.aijobs.processor.ProcessorApp;
import io.aijobs.processor.execution.JobExecutionProcessorSupplier;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.state.ExecutionStatus;
import io.aijobs.schema.state.JobExecutionState;
import io.aijobs.serde.AvroSerdeConfig;
import io.aijobs.serde.AvroSerializer;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * B8: how soon a task works again when its partition's store remembers {@code remembered} finished jobs (within the
 * dedup horizon), with {@code inFlight} calls that were open at the crash and {@code queued} jobs waiting for a slot.
 *
 * <p>The store is filled by writing the job-state changelog's partition 0 directly, with the records the processor
 * writes for those jobs (its own state serde): running a million jobs through the processor first would take the
 * benchmark most of an hour and measure nothing more. Then, per phase, a processor starts, a new job for partition 0
 * is published at its start, and the phase ends when the unfinished jobs and the new one have their results:
 * <ul>
 *   <li><b>cold</b>: empty local state, as an instance that restarts after kill -9 (it deletes its local state, see
 *       "Crash recovery" in the README): the changelog is restored, then the task initialises;</li>
 *   <li><b>warm</b>: after a clean close, with more unfinished jobs appended to the changelog meanwhile: local state
 *       kept, only the changelog's tail restored, as a clean restart or a standby taking the task over.</li>
 * </ul>
 * Each is measured with the million and, as its baseline, on a fresh application whose store holds only the unfinished
 * jobs.
 */
final class RecoveryBenchmark {

    /**
     * One phase: seconds from the processor's start to its first result on the partition, and to the last one;
     * {@code findSeconds}: the longest a task's start took to find its unfinished jobs
     * ({@code aijobs_task_recovery_seconds_max}).
     */
    record Phase(double firstResultSeconds, double allResultsSeconds, int results, long storedJobs, double findSeconds) {
    }

    /** {@code warm} is null for a run without the index. */
    record Run(long remembered, int unfinished, Phase cold, Phase warm) {
    }

    private static final int PARTITION = 0;

    private RecoveryBenchmark() {
    }

    /**
     * @param indexed whether the changelogs hold the index of unfinished jobs, as the processor writes them; without it,
     *                as after an upgrade from a version before the index, the task's first start builds it from a scan of
     *                every state, and only the cold phase runs (its warm phase would be the indexed one)
     */
    static Run run(StackEndpoints stack, ModelStub stub, long remembered, int inFlight, int queued, boolean indexed) throws Exception {
        BenchScenario scenario = new BenchScenario(stack);
        Map<String, Object> config = scenario.processorConfig(stub.baseUrl(), 256);
        // its /metrics, for the time the task's start took to find its unfinished jobs
        config.put(io.aijobs.processor.ProcessorConfig.METRICS_PORT_CONFIG, "0");
        String application = (String) config.get(io.aijobs.processor.ProcessorConfig.APPLICATION_ID_CONFIG);
        String changelog = application + "-" + JobTopology.STATE_STORE + "-changelog";
        String indexChangelog = application + "-" + JobTopology.UNFINISHED_STORE + "-changelog";
        int partitions;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            // as Kafka Streams would create it: one partition per partition of the tenant's jobs topic
            partitions = admin.describeTopics(List.of(scenario.names.jobs(scenario.tenant))).allTopicNames().get(60, TimeUnit.SECONDS)
                    .get(scenario.names.jobs(scenario.tenant)).partitions().size();
            admin.createTopics(List.of(new NewTopic(changelog, partitions, (short) 1).configs(Map.of("cleanup.policy", "compact")),
                    new NewTopic(indexChangelog, partitions, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
                    .all().get(60, TimeUnit.SECONDS);
        }
        StateWriter writer = new StateWriter(stack, scenario, changelog, indexed ? indexChangelog : null);
        long started = System.nanoTime();
        writer.remembered(remembered);
        writer.unfinished("a", inFlight, queued);
        System.out.printf("B8: %d remembered and %d unfinished jobs written to %s-%d in %.1f s%n", remembered, inFlight + queued,
                changelog, PARTITION, (System.nanoTime() - started) / 1e9);
        Phase cold = phase(stack, scenario, config, indexed ? "cold" : "cold, no index yet", inFlight + queued, partitions);
        Phase warm = null;
        if (indexed) {
            writer.unfinished("b", inFlight, queued);
            warm = phase(stack, scenario, config, "warm", inFlight + queued, partitions);
        }
        writer.close();
        return new Run(remembered, inFlight + queued, cold, warm);
    }

    /** Starts a processor on {@code config}, publishes a new job for the partition, and waits for {@code unfinished} + 1 results. */
    private static Phase phase(StackEndpoints stack, BenchScenario scenario, Map<String, Object> config, String name, int unfinished,
                               int jobPartitions) throws Exception {
        String results = scenario.names.results(scenario.tenant);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(results).stream()
                    .map(info -> new TopicPartition(results, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            int expected = unfinished + 1;
            long start = System.nanoTime();
            long first = 0;
            long last = 0;
            int seen = 0;
            long stored;
            double find;
            try (ProcessorApp app = ProcessorApp.start(new HashMap<>(config));
                 io.aijobs.producer.JobPublisher publisher = scenario.publisher()) {
                publisher.publish(scenario.job(scenario.tenant, jobIdOnPartition("probe-" + name, PARTITION, jobPartitions), 0));
                publisher.flush();
                long deadline = start + TimeUnit.MINUTES.toNanos(5);
                while (seen < expected && System.nanoTime() < deadline) {
                    int got = consumer.poll(Duration.ofMillis(20)).count();
                    if (got > 0) {
                        long now = System.nanoTime();
                        if (seen == 0) {
                            first = now;
                        }
                        seen += got;
                        last = now;
                    }
                }
                if (seen < expected) {
                    throw new IllegalStateException("B8 " + name + ": only " + seen + " of " + expected + " results within 5 minutes");
                }
                stored = storedJobs(app.streams());
                find = longestFind(app.metricsPort());
            }
            Phase phase = new Phase((first - start) / 1e9, (last - start) / 1e9, seen, stored, find);
            System.out.printf("B8 %s: first result %.1f s after the start, all %d results %.1f s; %d jobs in the partition's store; "
                    + "unfinished jobs found in %.3f s%n", name, phase.firstResultSeconds(), seen, phase.allResultsSeconds(), stored, find);
            return phase;
        }
    }

    /** The highest {@code aijobs_task_recovery_seconds_max} the processor's /metrics shows (every task's start, either way). */
    private static double longestFind(int metricsPort) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String body = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        return body.lines().filter(line -> line.startsWith("aijobs_task_recovery_seconds_max"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).max()
                .orElseThrow(() -> new IllegalStateException("no aijobs_task_recovery_seconds_max in the processor's /metrics"));
    }

    /** The jobs the partition's job-state store holds, counted one by one (shows what the phase restored). */
    private static long storedJobs(org.apache.kafka.streams.KafkaStreams streams) throws InterruptedException {
        // the store can be queried only while the instance is RUNNING: a rebalance after the results can intervene
        BenchScenario.awaitRunning(streams, Duration.ofSeconds(60));
        org.apache.kafka.streams.state.ReadOnlyKeyValueStore<String, JobExecutionState> store = streams.store(
                org.apache.kafka.streams.StoreQueryParameters.fromNameAndType(JobTopology.STATE_STORE,
                        org.apache.kafka.streams.state.QueryableStoreTypes.<String, JobExecutionState>keyValueStore()).withPartition(PARTITION));
        long count = 0;
        try (org.apache.kafka.streams.state.KeyValueIterator<String, JobExecutionState> all = store.all()) {
            while (all.hasNext()) {
                all.next();
                count++;
            }
        }
        return count;
    }

    /** A job id that the publisher's partitioner (murmur2 of the key, as Kafka's default) puts on {@code partition}. */
    static String jobIdOnPartition(String prefix, int partition, int partitions) {
        for (int i = 0; ; i++) {
            String id = prefix + "-" + i;
            if (Utils.toPositive(Utils.murmur2(id.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % partitions == partition) {
                return id;
            }
        }
    }

    /**
     * Writes job states, as the processor writes them, to partition 0 of the job-state changelog, and, unless its index
     * changelog is null, the index of unfinished jobs beside them.
     */
    private static final class StateWriter implements AutoCloseable {
        private final BenchScenario scenario;
        private final String changelog;
        private final String indexChangelog;
        private final String jobsTopic;
        private final KafkaProducer<String, byte[]> producer;
        private final org.apache.kafka.common.serialization.Serializer<JobExecutionState> states =
                JobExecutionProcessorSupplier.stateSerde().serializer();
        private final AvroSerializer<JobRequest> requests;
        private long sequence;

        StateWriter(StackEndpoints stack, BenchScenario scenario, String changelog, String indexChangelog) {
            this.scenario = scenario;
            this.changelog = changelog;
            this.indexChangelog = indexChangelog;
            this.jobsTopic = scenario.names.jobs(scenario.tenant);
            this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                    ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                    ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"), new StringSerializer(), new ByteArraySerializer());
            this.requests = new AvroSerializer<>(new RestSchemaRegistryClient(stack.schemaRegistryUrl(), Duration.ofSeconds(10)),
                    new AvroSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl(),
                            AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true)), false);
        }

        /**
         * Finished jobs, as a completed call leaves them: no request bytes, a trace context, timestamps of the last minute;
         * in the index, each job's key while its call was open across a commit, then its tombstone (the most a finished
         * job leaves there; the index's changelog is compacted, but its segments roll only after days).
         */
        void remembered(long count) throws Exception {
            long now = System.currentTimeMillis();
            for (long i = 0; i < count; i++) {
                String jobId = "done-" + i;
                JobExecutionState state = base(jobId, now - 60_000 + i % 60_000, i)
                        .setStatus(ExecutionStatus.COMPLETED).setAttempt(1)
                        .setStartedAt(now - 60_000).setCompletedAt(now - 59_000).setUpdatedAt(now - 59_000)
                        .setCallSpanId("00f067aa0ba902b7").setRoutePosition(0).build();
                send(jobId, state);
                if (indexChangelog != null) {
                    String key = JobExecutionProcessorSupplier.stateKey(scenario.tenant, jobId);
                    index(key, ExecutionStatus.IN_FLIGHT.name());
                    producer.send(new ProducerRecord<>(indexChangelog, PARTITION, key, null));
                }
            }
            producer.flush();
        }

        /**
         * Calls open at the crash (IN_FLIGHT, attempt 1) and jobs waiting for a slot (QUEUED), with their requests, and
         * their keys in the index of unfinished jobs (with its marker that it is complete), as the processor writes both.
         */
        void unfinished(String round, int inFlight, int queued) throws Exception {
            long now = System.currentTimeMillis();
            if (indexChangelog != null) {
                index(JobExecutionProcessorSupplier.UNFINISHED_INDEX_COMPLETE, "1");
            }
            for (int i = 0; i < inFlight + queued; i++) {
                String jobId = "open-" + round + "-" + i;
                JobRequest job = scenario.job(scenario.tenant, jobId, i);
                boolean open = i < inFlight;
                JobExecutionState state = base(jobId, now, sequence++)
                        .setStatus(open ? ExecutionStatus.IN_FLIGHT : ExecutionStatus.QUEUED).setAttempt(open ? 1 : 0)
                        .setStartedAt(open ? now : null).setUpdatedAt(now)
                        .setRequestBytes(ByteBuffer.wrap(requests.serialize(jobsTopic, job))).build();
                send(jobId, state);
            }
            producer.flush();
        }

        private JobExecutionState.Builder base(String jobId, long receivedAt, long offset) {
            return JobExecutionState.newBuilder().setJobId(jobId).setTenantId(scenario.tenant.value())
                    .setAttemptOffset(0).setReceivedAt(receivedAt).setUpdatedAt(receivedAt)
                    .setOriginTopic(jobsTopic).setOriginPartition(PARTITION).setOriginOffset(offset).setQueueSequence(offset)
                    .setReplays(0).setTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
        }

        private void send(String jobId, JobExecutionState state) {
            String key = JobExecutionProcessorSupplier.stateKey(scenario.tenant, jobId);
            producer.send(new ProducerRecord<>(changelog, PARTITION, key, states.serialize(changelog, state)));
            if (indexChangelog != null && (state.getStatus() == ExecutionStatus.QUEUED || state.getStatus() == ExecutionStatus.IN_FLIGHT)) {
                index(key, state.getStatus().name());
            }
        }

        private void index(String key, String value) {
            producer.send(new ProducerRecord<>(indexChangelog, PARTITION, key, value.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }

        @Override
        public void close() {
            producer.close();
            requests.close();
        }
    }
}
