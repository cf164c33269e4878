package io.aijobs.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aijobs.devstack.StackEndpoints;
import io.aijobs.devstack.junit.DevStackExtension;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.producer.JobPublisher;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.TenantPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A tenant's rate limit with two processor instances sharing its jobs topic, on a real broker and registry. */
@ExtendWith(DevStackExtension.class)
class TenantRateLimitIT {

    private static final double RATE = 10.0;
    private static final int JOBS = 500;
    private static final Duration PUBLISHING = Duration.ofSeconds(10);

    @Test
    void shouldAdmitATenantAtItsRateAcrossTwoInstancesNotAtTheRateOnEach(StackEndpoints stack) throws Exception {
        ProcessorHarness harness = new ProcessorHarness(stack);
        try (KafkaProducer<String, TenantPolicy> policies = harness.deployment.producer(harness.topics.tenantPolicies())) {
            policies.send(new ProducerRecord<>(harness.names.tenantPolicies(), harness.tenant.value(), TenantPolicy.newBuilder()
                    .setTenantId(harness.tenant.value()).setRetentionMs(Duration.ofDays(7).toMillis()).setRateLimitPerSecond(RATE)
                    .setUpdatedAt(Instant.now()).build())).get();
        }
        String jobsTopic = harness.names.jobs(harness.tenant);
        int partitions = io.aijobs.contracts.TopicCatalog.DEFAULT_PARTITIONS; // as TestDeployment makes them

        try (ModelStub stub = ModelStub.start(ModelStubConfig.defaults());
             ProcessorApp first = ProcessorApp.start(harness.config(stub.baseUrl(), Map.of()));
             ProcessorApp second = ProcessorApp.start(harness.config(stub.baseUrl(), Map.of()));
             JobPublisher publisher = harness.publisher()) {
            // both instances own partitions of the tenant's jobs topic, and together all of them
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                Set<TopicPartition> a = jobsPartitions(first.streams(), jobsTopic);
                Set<TopicPartition> b = jobsPartitions(second.streams(), jobsTopic);
                return !a.isEmpty() && !b.isEmpty() && a.size() + b.size() == partitions;
            });

            long startNs = System.nanoTime();
            long intervalNs = PUBLISHING.toNanos() / JOBS;
            for (int i = 0; i < JOBS; i++) {
                LockSupport.parkNanos(startNs + i * intervalNs - System.nanoTime());
                publisher.publish(harness.job("job-" + i));
            }
            publisher.flush();
            double publishedOverSeconds = (System.nanoTime() - startNs) / 1e9;

            await().atMost(Duration.ofSeconds(120)).until(() -> harness.committedResults().size()
                    + harness.committed(harness.topics.deadLetter(harness.tenant)).size() >= JOBS);

            List<JobResult> results = harness.committedResults();
            List<JobFailure> refused = harness.committed(harness.topics.deadLetter(harness.tenant)).stream().map(ConsumerRecord::value).toList();
            List<String> ids = new ArrayList<>();
            results.forEach(result -> ids.add(result.getJobId()));
            refused.forEach(failure -> ids.add(failure.getJobId()));
            assertThat(ids).hasSize(JOBS).doesNotHaveDuplicates();
            assertThat(refused).allSatisfy(failure -> {
                assertThat(failure.getCategory()).isEqualTo(FailureCategory.POLICY);
                assertThat(failure.getErrorType()).isEqualTo("rate_limited");
            });
            // published at 50 jobs/s over ~10 s: every partition's share (10/3 per s) is exceeded all along, so the
            // deployment admits RATE x T plus one burst of max(P, RATE); with the rate per instance it would be twice that
            long upper = Math.round(RATE * (publishedOverSeconds + 1) + Math.max(partitions, RATE));
            long lower = Math.round(RATE * (publishedOverSeconds - 1));
            assertThat((long) results.size()).as("admitted over %.1f s of publishing", publishedOverSeconds).isBetween(lower, upper);
        }
    }

    private static Set<TopicPartition> jobsPartitions(KafkaStreams streams, String topic) {
        Set<TopicPartition> owned = new HashSet<>();
        if (streams.state() != KafkaStreams.State.RUNNING) {
            return owned;
        }
        streams.metadataForLocalThreads().forEach(thread -> thread.activeTasks().forEach(task -> task.topicPartitions().stream()
                .filter(partition -> partition.topic().equals(topic)).forEach(owned::add)));
        return owned;
    }
}
