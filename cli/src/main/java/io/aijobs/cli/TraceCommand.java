package io.aijobs.cli;

import io.aijobs.contracts.JobHeaders;
import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.Topic;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.schema.JobEvent;
import io.aijobs.schema.ModelCallUsage;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code aijobs trace JOB_ID --tenant T}: one job's timeline ({@link JobTimeline}), read as a {@code read_committed}
 * consumer from the partition of {@code platform.job-events} its jobId keys and the one of {@code platform.usage} its
 * tenant keys. No consumer group, nothing committed.
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Print one job's timeline: received, queued, started; each attempt with latency, HTTP status, outcome and cost; "
                + "each retry wait with its reason; the result or the dead letter; the total duration and cost.")
final class TraceCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "JOB_ID", description = "The job's id")
    String jobId;

    @Option(names = "--tenant", required = true, paramLabel = "TENANT", description = "The job's tenant")
    String tenant;

    @Option(names = "--follow", description = "Wait for a job still in progress to end (at most --wait), printing its timeline then")
    boolean follow;

    @Option(names = "--wait", defaultValue = "PT10S", paramLabel = "DURATION",
            description = "How long to wait for a job not seen yet, or with --follow for the job to end, ISO-8601 (default: ${DEFAULT-VALUE})")
    Duration wait;

    @Mixin
    StackOptions stack;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TenantId tenantId = TenantCommand.tenant(spec, tenant);
        if (wait.isNegative()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--wait must not be negative, got " + wait);
        }
        StackEndpoints endpoints = stack.resolve();
        RestSchemaRegistryClient registry = StackOptions.registry(endpoints);
        var topics = stack.topics(endpoints, registry);
        Map<String, Object> config = StackOptions.withSecurity(endpoints, Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
        List<JobEvent> events = new ArrayList<>();
        List<ModelCallUsage> calls = new ArrayList<>();
        String[] traceId = new String[1];
        long deadline = System.nanoTime() + wait.toNanos();
        try (registry;
             Reader<JobEvent> eventReader = new Reader<>(topics.jobEvents(), config, jobId);
             Reader<ModelCallUsage> usageReader = new Reader<>(topics.usage(), config, tenantId.value())) {
            JobTimeline timeline;
            while (true) {
                eventReader.readAvailable(record -> {
                    JobEvent event = record.value();
                    if (event != null && jobId.equals(event.getJobId()) && tenantId.value().equals(event.getTenantId())) {
                        events.add(event);
                        Header traceparent = record.headers().lastHeader(JobHeaders.TRACEPARENT);
                        if (traceparent != null && traceId[0] == null) {
                            String value = new String(traceparent.value(), StandardCharsets.UTF_8);
                            traceId[0] = value.length() >= 35 ? value.substring(3, 35) : null;
                        }
                    }
                });
                usageReader.readAvailable(record -> {
                    ModelCallUsage usage = record.value();
                    if (usage != null && jobId.equals(usage.getJobId()) && tenantId.value().equals(usage.getTenantId())) {
                        calls.add(usage);
                    }
                });
                timeline = new JobTimeline(tenantId.value(), jobId, events, calls, traceId[0]);
                boolean done = follow ? timeline.ended() : !timeline.isEmpty();
                if (done || System.nanoTime() >= deadline) {
                    break;
                }
                Thread.sleep(200);
            }
            if (timeline.isEmpty()) {
                err.println("No job " + jobId + " of tenant " + tenantId + " in " + topics.jobEvents().name() + " (waited " + wait
                        + "): it was never received, or is older than the topic's retention");
                return 1;
            }
            timeline.render().forEach(out::println);
            if (follow && !timeline.ended()) {
                err.println("Job " + jobId + " had not ended after " + wait);
                return 1;
            }
            return 0;
        }
    }

    /** Reads, from the start, the partition of {@code topic} that records keyed {@code key} go to. */
    private static final class Reader<V> implements AutoCloseable {

        private final KafkaConsumer<String, V> consumer;
        private final TopicPartition partition;

        Reader(Topic<String, V> topic, Map<String, Object> config, String key) {
            this.consumer = topic.consumer(config);
            int partitions = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30)).size();
            if (partitions == 0) {
                consumer.close();
                throw new IllegalStateException("Topic " + topic.name() + " does not exist: has the processor run on this stack?");
            }
            // the default partitioner's choice for a keyed record
            this.partition = new TopicPartition(topic.name(), Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
        }

        /** Everything committed up to the partition's end now. */
        void readAvailable(java.util.function.Consumer<ConsumerRecord<String, V>> action) {
            long end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(30)).get(partition);
            while (consumer.position(partition, Duration.ofSeconds(30)) < end) {
                consumer.poll(Duration.ofMillis(200)).forEach(action);
            }
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
