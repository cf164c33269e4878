package io.aijobs.benchmarks.pc;

import io.aijobs.model.ModelOutcome;
import io.aijobs.model.OpenAiModelClient;
import io.aijobs.schema.Cost;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.JobTimings;
import io.aijobs.serde.AvroDeserializer;
import io.aijobs.serde.AvroSerdeConfig;
import io.aijobs.serde.AvroSerializer;
import io.aijobs.serde.RestSchemaRegistryClient;
import io.confluent.parallelconsumer.ParallelConsumerOptions;
import io.confluent.parallelconsumer.ParallelConsumerOptions.CommitMode;
import io.confluent.parallelconsumer.ParallelConsumerOptions.ProcessingOrder;
import io.confluent.parallelconsumer.ParallelStreamProcessor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The same work as the processor (decode the job, call the model, write a result) on Confluent Parallel Consumer,
 * with the same model client and the same concurrency: the B1 baseline "what a user would otherwise pick".
 *
 * <pre>ParallelConsumerBaseline BOOTSTRAP REGISTRY_URL JOBS_TOPIC RESULTS_TOPIC MODEL_URL CONCURRENCY async|transactional</pre>
 * Runs until killed.
 */
public final class ParallelConsumerBaseline {

    private ParallelConsumerBaseline() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 7) {
            System.err.println("Usage: ParallelConsumerBaseline BOOTSTRAP REGISTRY_URL JOBS_TOPIC RESULTS_TOPIC MODEL_URL CONCURRENCY async|transactional");
            System.exit(2);
        }
        String bootstrap = args[0];
        String jobsTopic = args[2];
        String resultsTopic = args[3];
        int concurrency = Integer.parseInt(args[5]);
        boolean transactional = "transactional".equals(args[6]);
        String run = UUID.randomUUID().toString().substring(0, 8);

        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "pc-" + args[6] + "-" + run,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new ByteArrayDeserializer());
        Map<String, Object> producerConfig = new java.util.HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all"));
        if (transactional) {
            producerConfig.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "pc-" + run);
        }
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer());

        RestSchemaRegistryClient registry = new RestSchemaRegistryClient(args[1], Duration.ofSeconds(10));
        AvroDeserializer<JobRequest> jobs = new AvroDeserializer<>(JobRequest.class, registry);
        AvroSerializer<JobResult> results = new AvroSerializer<>(registry, new AvroSerdeConfig(Map.of(
                AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, args[1], AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, true)), false);
        OpenAiModelClient model = new OpenAiModelClient(args[4], Optional.empty(), Duration.ofSeconds(60), Duration.ofSeconds(5),
                concurrency, 2, Clock.systemUTC());

        ParallelConsumerOptions<String, byte[]> options = ParallelConsumerOptions.<String, byte[]>builder()
                .ordering(ProcessingOrder.KEY)
                .maxConcurrency(concurrency)
                .consumer(consumer)
                .producer(producer)
                .commitMode(transactional ? CommitMode.PERIODIC_TRANSACTIONAL_PRODUCER : CommitMode.PERIODIC_CONSUMER_ASYNCHRONOUS)
                .build();
        ParallelStreamProcessor<String, byte[]> processor = ParallelStreamProcessor.createEosStreamProcessor(options);
        processor.subscribe(List.of(jobsTopic));
        processor.pollAndProduce(context -> {
            JobRequest job = jobs.deserialize(jobsTopic, context.value());
            long started = System.currentTimeMillis();
            ModelOutcome outcome;
            try {
                outcome = model.complete(job, job.getJobId() + "-1").get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            ModelOutcome.Success success = (ModelOutcome.Success) outcome;
            JobResult result = JobResult.newBuilder().setJobId(job.getJobId()).setTenantId(job.getTenantId()).setModel(job.getModel())
                    .setOutput(success.output()).setFinishReason(success.finishReason()).setInputTokens(success.inputTokens())
                    .setOutputTokens(success.outputTokens()).setCost(Cost.newBuilder().setAmountNanos(0).setPricingVersion("pc").build())
                    .setAttempts(1)
                    .setTimings(JobTimings.newBuilder().setSubmittedAt(job.getSubmittedAt()).setStartedAt(Instant.ofEpochMilli(started))
                            .setCompletedAt(Instant.now()).setModelLatencyMs(success.latency().toMillis()).build())
                    .build();
            return new ProducerRecord<>(resultsTopic, context.key(), results.serialize(resultsTopic, result));
        });
        System.out.println("Parallel Consumer baseline running (" + args[6] + ", concurrency " + concurrency + ")");
        new CountDownLatch(1).await();
    }
}
