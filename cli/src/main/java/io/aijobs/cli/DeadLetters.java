package io.aijobs.cli;

import io.aijobs.contracts.JobHeaders;
import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.Topic;
import io.aijobs.contracts.TopicCatalog;
import io.aijobs.contracts.Topics;
import io.aijobs.producer.PublisherConfig;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.JobRequest;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operator tooling for a tenant's dead-letter topic: read what failed, and republish chosen failures as jobs.
 *
 * <p>Replay sends the job's original bytes (as the dead-letter record keeps them) to the tenant's jobs topic, keyed
 * by its original jobId and marked with {@value JobHeaders#REPLAY_OF}. The processor runs a replayed job only if its
 * execution state says FAILED when the replayed record is read; a job already completed, running or waiting to retry is
 * a duplicate. One replay sends each job once (its latest dead letter), so it runs the job at most once; running the
 * same replay again while the job runs or after it succeeded changes nothing, and after it failed again runs it once
 * more, as asked. Records whose bytes still do not decode as a job of this tenant are reported and not sent. Reads use {@code read_committed} and no consumer group; nothing is committed.
 *
 * <p>Configuration: the {@link PublisherConfig} keys ({@code bootstrap.servers}, {@code schema.registry.url},
 * topic prefixes). Not thread-safe.
 */
final class DeadLetters implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);

    /** One dead-letter record, where it is, and what it says. */
    public record DeadLetter(String topic, int partition, long offset, Instant timestamp, String key, JobFailure failure) {

        public String address() {
            return topic + "/" + partition + "/" + offset;
        }
    }

    /** What a replay did (or, in a dry run, would do) with one dead letter. */
    public record Replayed(DeadLetter deadLetter, boolean sent, String reason) {
    }

    private final PublisherConfig config;
    private final RestSchemaRegistryClient registry;
    private final Topics topics;
    private KafkaProducer<String, byte[]> producer;

    DeadLetters(Map<String, ?> properties) {
        this.config = new PublisherConfig(properties);
        this.registry = RestSchemaRegistryClient.create(config.serdeConfig());
        this.topics = new Topics(TopicCatalog.of(config.topicNames()), registry, config.serdeConfig());
    }

    /**
     * Every dead letter of {@code tenant} that {@code filter} accepts, oldest first per partition, up to the end of
     * the topic as it was when the read began.
     *
     * @throws IllegalStateException if the topic does not exist
     */
    public List<DeadLetter> list(TenantId tenant, Predicate<DeadLetter> filter, Duration timeout) {
        Topic<String, JobFailure> deadLetters = topics.deadLetter(tenant);
        String topic = deadLetters.name();
        Map<String, Object> props = config.consumerConfig();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<DeadLetter> found = new ArrayList<>();
        try (KafkaConsumer<String, JobFailure> consumer = deadLetters.consumer(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            if (partitions.isEmpty()) {
                throw new IllegalStateException("Topic " + topic + " does not exist");
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, timeout) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Timed out reading " + topic + " after " + timeout);
                }
                try {
                    for (ConsumerRecord<String, JobFailure> record : consumer.poll(Duration.ofMillis(200))) {
                        DeadLetter letter = new DeadLetter(record.topic(), record.partition(), record.offset(),
                                Instant.ofEpochMilli(record.timestamp()), record.key(), record.value());
                        if (record.value() != null && filter.test(letter)) {
                            found.add(letter);
                        }
                    }
                } catch (RecordDeserializationException e) {
                    // not ours to judge here: a dead-letter topic should only hold JobFailure records; skip and say so
                    log.warn("Skipping {}-{}@{}: not a JobFailure record ({})", e.topicPartition().topic(),
                            e.topicPartition().partition(), e.offset(), e.getMessage());
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                }
            }
        }
        return found;
    }

    /**
     * Republishes each dead letter's original job to its tenant's jobs topic (unless {@code dryRun}), in order, and
     * waits for the broker's acknowledgements.
     */
    public List<Replayed> replay(TenantId tenant, List<DeadLetter> chosen, boolean dryRun, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        Objects.requireNonNull(tenant, "tenant");
        Topic<String, JobRequest> jobs = topics.jobs(tenant);
        String jobsTopic = jobs.name();
        List<Replayed> report = new ArrayList<>();
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        // A job that failed, was replayed and failed again has several dead letters: replay only its latest, or a
        // second copy could find the job FAILED again by the time it is read and run it once more
        Map<String, DeadLetter> latest = new HashMap<>();
        for (DeadLetter letter : chosen) {
            String jobId = letter.failure().getJobId();
            if (jobId != null) {
                latest.merge(jobId, letter, (a, b) -> b.failure().getLastFailureAt().isAfter(a.failure().getLastFailureAt())
                        || (b.partition() == a.partition() && b.offset() > a.offset()) ? b : a);
            }
        }
        for (DeadLetter letter : chosen) {
            String jobId = letter.failure().getJobId();
            if (jobId != null && latest.get(jobId) != letter) {
                report.add(new Replayed(letter, false, "an older dead letter of job " + jobId + "; its latest is replayed"));
                continue;
            }
            ByteBuffer original = letter.failure().getOriginalValue();
            if (original == null) {
                report.add(new Replayed(letter, false, "the dead letter keeps no original bytes"));
                continue;
            }
            byte[] bytes = new byte[original.remaining()];
            original.duplicate().get(bytes);
            JobRequest job;
            try {
                job = jobs.valueSerde().deserializer().deserialize(jobsTopic, bytes);
            } catch (SerializationException | org.apache.avro.AvroRuntimeException e) {
                report.add(new Replayed(letter, false, "still undecodable: " + e.getMessage()));
                continue;
            }
            if (job == null || !tenant.value().equals(job.getTenantId())) {
                report.add(new Replayed(letter, false, "not a job of tenant " + tenant));
                continue;
            }
            if (!dryRun) {
                RecordHeaders headers = new RecordHeaders();
                headers.add(JobHeaders.TENANT, tenant.value().getBytes(StandardCharsets.UTF_8));
                headers.add(JobHeaders.JOB_ID, job.getJobId().getBytes(StandardCharsets.UTF_8));
                headers.add(JobHeaders.REPLAY_OF, letter.address().getBytes(StandardCharsets.UTF_8));
                headers.add(JobHeaders.PRODUCER, "aijobs-dlt-replay".getBytes(StandardCharsets.UTF_8));
                sends.add(producer().send(new ProducerRecord<>(jobsTopic, null, job.getJobId(), bytes, headers)));
            }
            report.add(new Replayed(letter, !dryRun, dryRun ? "would republish job " + job.getJobId() : "republished job " + job.getJobId()));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Future<RecordMetadata> send : sends) {
            send.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        return report;
    }

    private KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Map<String, Object> props = config.producerConfig();
            // one batch in flight: see TopicReadiness; replays are few
            props.put("max.in.flight.requests.per.connection", 1);
            producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(30));
        }
        registry.close();
    }
}
