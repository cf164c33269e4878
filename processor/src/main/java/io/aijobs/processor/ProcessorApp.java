package io.aijobs.processor;

import io.aijobs.application.AdminClients;
import io.aijobs.application.ApplicationMain;
import io.aijobs.application.Health;
import io.aijobs.application.OperationsServer;
import io.aijobs.application.Preflight;
import io.aijobs.application.StreamsApplication;
import io.aijobs.contracts.JobValidator;
import io.aijobs.contracts.Topics;
import io.aijobs.processor.admission.TopicPartitionCounts;
import io.aijobs.processor.execution.BatchRouting;
import io.aijobs.processor.execution.ExecutionDependencies;
import io.aijobs.processor.execution.InFlightLimiter;
import io.aijobs.processor.metrics.ProcessorMetrics;
import io.aijobs.model.routing.ModelRouter;
import io.aijobs.processor.routing.Routers;
import io.aijobs.serde.RestSchemaRegistryClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running processor: builds the topology from {@link ProcessorConfig}, starts Kafka Streams, the model client
 * and the metrics endpoint, and stops them in order on {@link #close()}.
 *
 * <p>As a program: {@code ProcessorApp config.properties [key=value ...]}; arguments after the file override it.
 * A bad configuration exits 2 naming the key.
 */
public final class ProcessorApp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProcessorApp.class);

    private final StreamsApplication application;
    private final ModelRouter router;
    private final RestSchemaRegistryClient registry;
    private final OperationsServer endpoint;
    private final InFlightLimiter limiter;
    private final TopicPartitionCounts partitionCounts;
    private final io.aijobs.processor.execution.OutputSchemas outputSchemas;
    private final ProcessorConfig config;
    private final BatchRouting batches;
    private final Tracing tracing;

    private ProcessorApp(ProcessorConfig config) throws IOException {
        this.config = config;
        PrometheusMeterRegistry meterRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ProcessorMetrics metrics = new ProcessorMetrics(meterRegistry, config.getInt(ProcessorConfig.METRICS_TENANT_TAG_LIMIT_CONFIG));
        registry = RestSchemaRegistryClient.create(config.serdeConfig());
        io.aijobs.processor.routing.RoutingConfig.Table routing = config.routingTable();
        router = Routers.build(routing, config.modelConnectTimeout(),
                Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())));
        router.endpoints().forEach(metrics::bindEndpoint);
        limiter = new InFlightLimiter(config.maxInFlight());
        metrics.bindInFlight(limiter::inFlight, limiter::capacity);
        partitionCounts = TopicPartitionCounts.create(AdminClients.config(config.streamsProperties()));
        Topics topics = new Topics(config.topicCatalog(), registry, config.serdeConfig());
        outputSchemas = io.aijobs.processor.execution.OutputSchemas.of(topics);
        ExecutionDependencies deps = new ExecutionDependencies(topics.names(), topics.jobsOfTenants().valueSerde().deserializer(), new JobValidator(config.maxInputBytes()), router, limiter,
                config.priceTable(), config.unknownModelPolicy(), metrics, config.backpressureMaxBlock(),
                config.completionPollInterval(), config.dedupHorizon(), config.dedupCleanupInterval(),
                config.failurePolicies(() -> java.util.concurrent.ThreadLocalRandom.current().nextDouble()), config.retryPollInterval(),
                config.tenantPolicyEnforcer(partitionCounts), new io.aijobs.processor.execution.FairShare(), config.queuedJobsPerTenant(),
                outputSchemas, config.responseCacheBounds(), batches = new BatchRouting(config.batchSettings(routing), router),
                (tracing = Tracing.configure("aijobs-processor")).tracing());
        Topology topology = JobTopology.build(deps, topics, config.alertRules());
        application = new StreamsApplication("processor", topology, config.streamsProperties(), meterRegistry, () -> {
            registry.globalCompatibility();
            return true;
        });
        int port = config.getInt(ProcessorConfig.METRICS_PORT_CONFIG);
        endpoint = port < 0 ? null : new OperationsServer(config.getString(ProcessorConfig.METRICS_HOST_CONFIG), port, meterRegistry,
                application.health(), Map.of());
    }

    /** Builds a processor without starting it (to register listeners on {@link #streams()} first). */
    public static ProcessorApp create(Map<String, ?> properties) throws IOException {
        return new ProcessorApp(new ProcessorConfig(properties));
    }

    /** Builds and starts a processor; on a failed {@link Preflight} check, closes what it built. */
    public static ProcessorApp start(Map<String, ?> properties) throws IOException, Preflight.StartupException {
        ProcessorApp app = create(properties);
        try {
            return app.start();
        } catch (Preflight.StartupException | RuntimeException e) {
            app.close();
            throw e;
        }
    }

    /** Checks that the cluster and the registry answer ({@link Preflight}), then starts Kafka Streams. */
    public ProcessorApp start() throws Preflight.StartupException {
        Preflight.check(config.streamsProperties(), registry, config.getString(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG),
                config.startupTimeout());
        application.start();
        log.info("Processor {} started: max.in.flight={}, endpoints {}{}", config.getString(ProcessorConfig.APPLICATION_ID_CONFIG),
                config.maxInFlight(), router.endpoints().stream().map(e -> e.name()).toList(),
                endpoint == null ? "" : ", metrics on port " + endpoint.port());
        return this;
    }

    public KafkaStreams streams() {
        return application.streams();
    }

    public int inFlight() {
        return limiter.inFlight();
    }

    public Health health() {
        return application.health();
    }

    /** Port of the operations endpoint ({@code /metrics}, {@code /health/live}, {@code /health/ready}), or -1. */
    public int metricsPort() {
        return endpoint == null ? -1 : endpoint.port();
    }

    @Override
    public void close() {
        application.close(Duration.ofSeconds(60));
        if (endpoint != null) {
            endpoint.close();
        }
        batches.close();
        router.close();
        // after the router: the spans of calls still open end as the router closes them
        tracing.close();
        outputSchemas.close();
        partitionCounts.close();
        registry.close();
    }

    public static void main(String[] args) throws Exception {
        ApplicationMain.run("ProcessorApp", args, ProcessorApp::start);
    }
}
