package io.aijobs.cli;

import io.aijobs.contracts.Topic;
import io.aijobs.contracts.TenantId;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.producer.JobJson;
import io.aijobs.schema.JobResult;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.RecordDeserializationException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code aijobs results --tenant T}: prints a tenant's results as JSON lines, as a {@code read_committed}
 * consumer sees them (only results of committed transactions). Uses no consumer group and commits nothing.
 */
@Command(name = "results", mixinStandardHelpOptions = true,
        description = "Print a tenant's results (decoded, one JSON line each) from its results topic (tenant.<tenant>.results under the default prefix).")
final class ResultsCommand implements Callable<Integer> {

    @Option(names = "--tenant", required = true, paramLabel = "TENANT", description = "Tenant whose results to read")
    String tenant;

    @Option(names = "--follow", description = "Keep printing new results until Ctrl-C")
    boolean follow;

    @Option(names = "--max", paramLabel = "N", description = "Stop after N results")
    Integer max;

    @Mixin
    StackOptions stack;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TenantId tenantId;
        try {
            tenantId = TenantId.of(tenant);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        StackEndpoints endpoints = stack.resolve();
        CountDownLatch interrupted = new CountDownLatch(1);
        Thread hook = new Thread(interrupted::countDown, "results-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        int printed = 0;
        RestSchemaRegistryClient registry = StackOptions.registry(endpoints);
        Topic<String, JobResult> results = stack.topics(endpoints, registry).results(tenantId);
        String topic = results.name();
        try (registry; KafkaConsumer<String, JobResult> consumer = results.consumer(StackOptions.withSecurity(endpoints, Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            if (partitions.isEmpty()) {
                err.println("Topic " + topic + " does not exist (no jobs were ever published for tenant " + tenant + ")");
                return 1;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            while (interrupted.getCount() > 0 && (max == null || printed < max)) {
                if (!follow && reachedEnd(consumer, end)) {
                    break;
                }
                try {
                    for (ConsumerRecord<String, JobResult> record : consumer.poll(Duration.ofMillis(500))) {
                        out.println(JobJson.render(record.value()));
                        printed++;
                    }
                } catch (RecordDeserializationException e) {
                    err.println("Skipping undecodable record at " + e.topicPartition() + " offset " + e.offset() + ": " + e.getMessage());
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                } catch (SerializationException e) {
                    err.println("Undecodable record: " + e.getMessage());
                    return 1;
                }
                out.flush();
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // already running
            }
        }
        err.println(printed + " result(s) for tenant " + tenant);
        return 0;
    }

    private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> partition : end.entrySet()) {
            if (consumer.position(partition.getKey()) < partition.getValue()) {
                return false;
            }
        }
        return true;
    }
}
