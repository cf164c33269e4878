package io.aijobs.benchmarks;

import io.aijobs.application.StreamsTopics;
import io.aijobs.contracts.Topic;
import io.aijobs.contracts.Topics;
import io.aijobs.model.ModelClient;
import io.aijobs.model.ModelOutcome;
import io.aijobs.schema.Cost;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.JobTimings;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** The baselines the processor is measured against, in the same run on the same broker. */
final class Baselines {

    private Baselines() {
    }

    static Properties streamsProperties(BenchScenario scenario, String name) throws Exception {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, name + "-" + scenario.run);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, scenario.stack.bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("bench-" + name).toString());
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        return props;
    }

    /**
     * The obvious design: decode the job, call the model and wait for the answer on the stream thread, write the
     * result. Exactly-once holds, but one thread makes one call at a time.
     */
    static Topology blocking(BenchScenario scenario, Topics topics, ModelClient model) {
        Topology topology = new Topology();
        StreamsTopics.addSource(topology, "jobs", topics.jobs(scenario.tenant));
        topology.addProcessor("call-and-wait", () -> new Processor<String, JobRequest, String, JobResult>() {
            private ProcessorContext<String, JobResult> context;

            @Override
            public void init(ProcessorContext<String, JobResult> context) {
                this.context = context;
            }

            @Override
            public void process(Record<String, JobRequest> record) {
                JobRequest job = record.value();
                long started = System.currentTimeMillis();
                ModelOutcome outcome;
                try {
                    outcome = model.complete(job, job.getJobId() + "-1").get(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                if (outcome instanceof ModelOutcome.Success success) {
                    long now = System.currentTimeMillis();
                    context.forward(record.withValue(JobResult.newBuilder().setJobId(job.getJobId()).setTenantId(job.getTenantId())
                            .setModel(job.getModel()).setOutput(success.output()).setFinishReason(success.finishReason())
                            .setInputTokens(success.inputTokens()).setOutputTokens(success.outputTokens())
                            .setCost(Cost.newBuilder().setAmountNanos(0).setPricingVersion("bench").build()).setAttempts(1)
                            .setTimings(JobTimings.newBuilder().setSubmittedAt(job.getSubmittedAt())
                                    .setStartedAt(Instant.ofEpochMilli(started)).setCompletedAt(Instant.ofEpochMilli(now))
                                    .setModelLatencyMs(success.latency().toMillis()).build())
                            .build()));
                }
            }
        }, "jobs");
        StreamsTopics.addSink(topology, "results", topics.results(scenario.tenant), JobResult.class, "call-and-wait");
        return topology;
    }

    /** Reads the same Avro jobs and writes them unchanged (decoded and encoded again): the cost of Streams + EOS alone. */
    static Topology passThrough(BenchScenario scenario, Topics topics, String outputTopic) {
        Topology topology = new Topology();
        Topic<String, JobRequest> jobs = topics.jobs(scenario.tenant);
        StreamsTopics.addSource(topology, "jobs", jobs);
        StreamsTopics.addSink(topology, "copy", jobs.copyNamed(outputTopic), JobRequest.class, "jobs");
        return topology;
    }
}
