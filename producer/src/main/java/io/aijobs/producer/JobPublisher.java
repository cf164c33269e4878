package io.aijobs.producer;

import io.aijobs.contracts.InvalidJobException;
import io.aijobs.contracts.JobValidator;

import io.aijobs.contracts.JobHeaders;
import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TenantTopics;
import io.aijobs.contracts.TopicCatalog;
import io.aijobs.contracts.Topics;
import io.aijobs.schema.JobRequest;
import io.aijobs.serde.RestSchemaRegistryClient;
import io.aijobs.serde.SchemaRegistryClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Publishes jobs for upstream systems: validates each job, then sends it to {@code tenant.<tenantId>.jobs} with key
 * = jobId through an idempotent producer ({@code enable.idempotence=true}, {@code acks=all}).
 *
 * <p>Guarantees: an invalid job throws {@link InvalidJobException} and nothing is sent; a valid job is written once
 * per call (the producer's own retries cannot duplicate it). Publishing the same jobId twice, for example after a
 * timeout whose outcome the caller does not know, is safe: the processor executes each jobId at most once.
 *
 * <p>Thread-safe; share one instance per application. {@link #close()} flushes what is in flight.
 */
public final class JobPublisher implements AutoCloseable {

    private static final String PRODUCER_ID = "aijobs-producer/" + version();

    private final Producer<String, JobRequest> producer;
    private final TenantTopics<String, JobRequest> jobs;
    private final JobValidator validator;
    private final SchemaRegistryClient ownedRegistry;

    JobPublisher(Producer<String, JobRequest> producer, TenantTopics<String, JobRequest> jobs, JobValidator validator,
                 SchemaRegistryClient ownedRegistry) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.jobs = Objects.requireNonNull(jobs, "jobs");
        this.validator = Objects.requireNonNull(validator, "validator");
        this.ownedRegistry = ownedRegistry;
    }

    /** Builds a publisher from {@link PublisherConfig} properties; fails fast on a bad config, naming the key. */
    public static JobPublisher create(Map<String, ?> properties) {
        PublisherConfig config = new PublisherConfig(properties);
        RestSchemaRegistryClient registry = RestSchemaRegistryClient.create(config.serdeConfig());
        TenantTopics<String, JobRequest> jobs = new Topics(TopicCatalog.of(config.topicNames()), registry, config.serdeConfig())
                .jobsOfTenants();
        return new JobPublisher(jobs.producer(config.producerConfig()), jobs, new JobValidator(config.maxInputBytes()), registry);
    }

    /**
     * Validates and sends {@code job}. Returns when the record is handed to the producer; the future completes when
     * the broker has acknowledged it (all in-sync replicas).
     *
     * @throws InvalidJobException if the job breaks the contract; nothing was sent
     */
    public CompletableFuture<RecordMetadata> publish(JobRequest job) {
        return publish(job, null);
    }

    /**
     * As {@link #publish(JobRequest)}, with W3C trace context: the processor continues {@code trace}'s trace, sends it on to
     * the model service and carries it to the job's results, dead letters, usage records and events.
     *
     * @param trace the job's {@code traceparent} and {@code tracestate}, or null for none (the processor starts a trace)
     */
    public CompletableFuture<RecordMetadata> publish(JobRequest job, io.aijobs.contracts.TraceContext trace) {
        Objects.requireNonNull(job, "job");
        validator.validate(job);
        String topic = jobs.name(TenantId.of(job.getTenantId()));
        RecordHeaders headers = new RecordHeaders();
        headers.add(JobHeaders.TENANT, bytes(job.getTenantId()));
        headers.add(JobHeaders.JOB_ID, bytes(job.getJobId()));
        if (job.getTraceId() != null) {
            headers.add(JobHeaders.TRACE_ID, bytes(job.getTraceId()));
        }
        headers.add(JobHeaders.PRODUCER, bytes(PRODUCER_ID));
        if (trace != null) {
            headers.add(JobHeaders.TRACEPARENT, bytes(trace.traceparent()));
            if (trace.tracestate() != null) {
                headers.add(JobHeaders.TRACESTATE, bytes(trace.tracestate()));
            }
        }
        CompletableFuture<RecordMetadata> acked = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, null, job.getJobId(), job, headers), (metadata, error) -> {
                if (error != null) {
                    acked.completeExceptionally(error);
                } else {
                    acked.complete(metadata);
                }
            });
        } catch (KafkaException e) {
            acked.completeExceptionally(e);
        }
        return acked;
    }

    /** {@link #publish} and wait for the acknowledgement, at most {@code timeout}. */
    public RecordMetadata publishAndWait(JobRequest job, Duration timeout) throws ExecutionException, TimeoutException, InterruptedException {
        return publish(job).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sends what is buffered and waits for the acknowledgements. */
    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
        if (ownedRegistry != null) {
            ownedRegistry.close();
        }
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    private static String version() {
        String version = JobPublisher.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
