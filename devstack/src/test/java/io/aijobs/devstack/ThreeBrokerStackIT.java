package io.aijobs.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** {@code ./aijobs stack up --brokers 3}: three KRaft nodes on 127.0.0.1, every topic replicated three times. */
class ThreeBrokerStackIT {

    private static final String TRANSACTIONS = "__transaction_state";

    @Test
    void shouldReplicateEveryTopicThreeTimesWithMinInsyncTwoAndCommitTransactionsWithOneBrokerDown() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "three-brokers-");
        StackSettings settings = StackSettings.ephemeral(dir).withBrokers(3);
        try (DevStack stack = DevStack.up(settings, false, line -> { });
             Admin admin = Admin.create(stack.endpoints().adminClientConfig())) {
            assertThat(stack.endpoints().bootstrapServers().split(",")).hasSize(3);
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(3);
            assertThat(DevStack.status(dir)).filteredOn(line -> line.startsWith("kafka")).hasSize(3)
                    .allSatisfy(line -> assertThat(line).contains("running (pid"));

            // created without a replication factor, as the platform creates its topics: the cluster's default
            String topic = "three-brokers-it";
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(3), Optional.empty()))).all().get(30, TimeUnit.SECONDS);
            commitOne(stack.endpoints(), topic, "tx-1");
            Map<String, TopicDescription> topics = admin.describeTopics(List.of(topic, TRANSACTIONS)).allTopicNames().get(30, TimeUnit.SECONDS);
            topics.values().forEach(description -> assertThat(description.partitions())
                    .allSatisfy(partition -> assertThat(partition.replicas()).as(description.name()).hasSize(3)));
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = admin.describeConfigs(Set.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
            assertThat(config.get("min.insync.replicas").value()).isEqualTo("2");

            // one broker down: two replicas are still in sync, enough for acks=all and for the transaction log
            ManagedProcess third = ManagedProcess.attach("kafka-3", DevStack.logFile(dir, "kafka-3"), DevStack.pidFile(dir, "kafka-3"))
                    .orElseThrow();
            third.stop(Duration.ofSeconds(30));
            commitOne(stack.endpoints(), topic, "tx-2");
        } finally {
            DevStack.down(dir, line -> { });
        }
    }

    private static void commitOne(StackEndpoints endpoints, String topic, String transactionalId) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000), new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", transactionalId)).get(30, TimeUnit.SECONDS);
            producer.commitTransaction();
        }
    }
}
