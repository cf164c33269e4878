package io.aijobs.costs;

import io.aijobs.application.Health;
import io.aijobs.application.OperationsServer;
import io.aijobs.application.Preflight;
import io.aijobs.application.ApplicationMain;
import io.aijobs.application.StreamsApplication;
import io.aijobs.contracts.Topics;
import io.aijobs.pricing.PriceBook;
import io.aijobs.schema.ModelPrice;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running cost aggregator: loads the price file, builds the topology from {@link CostAggregatorConfig}, starts
 * Kafka Streams, and stops it on {@link #close()}.
 *
 * <p>As a program: {@code CostAggregatorApp config.properties [key=value ...]}; a bad configuration exits 2 naming
 * the key.
 */
public final class CostAggregatorApp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CostAggregatorApp.class);

    private final StreamsApplication application;
    private final RestSchemaRegistryClient registry;
    private final PriceBook prices = PriceBook.empty();
    private final CostAggregatorConfig config;
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private OperationsServer endpoint;

    private CostAggregatorApp(CostAggregatorConfig config) throws IOException {
        this.config = config;
        String file = config.getString(CostAggregatorConfig.PRICING_FILE_CONFIG).trim();
        if (!file.isEmpty()) {
            Path path = Path.of(file);
            try {
                for (ModelPrice price : PriceBook.parse(path, path.getFileName().toString())) {
                    prices.put(price);
                }
            } catch (IllegalArgumentException | IOException e) {
                throw new ConfigException(CostAggregatorConfig.PRICING_FILE_CONFIG, file, e.getMessage());
            }
        }
        registry = RestSchemaRegistryClient.create(config.serdeConfig());
        Topics topics = new Topics(config.topicCatalog(), registry, config.serdeConfig());
        AggregatorMetrics metrics = new AggregatorMetrics(meters, config.getInt(CostAggregatorConfig.METRICS_TENANT_TAG_LIMIT_CONFIG));
        application = new StreamsApplication("cost aggregator", AggregatorTopology.build(AggregatorSettings.from(config),
                topics, prices, metrics), config.streamsProperties(), meters, () -> {
                    registry.globalCompatibility();
                    return true;
                });
    }

    public static CostAggregatorApp create(Map<String, ?> properties) throws IOException {
        return new CostAggregatorApp(new CostAggregatorConfig(properties));
    }

    /** Builds and starts an aggregator; on a failed {@link Preflight} check, closes what it built. */
    public static CostAggregatorApp start(Map<String, ?> properties) throws IOException, Preflight.StartupException {
        CostAggregatorApp app = create(properties);
        try {
            return app.start();
        } catch (Preflight.StartupException | IOException | RuntimeException e) {
            app.close();
            throw e;
        }
    }

    /** Checks that the cluster and the registry answer ({@link Preflight}), then starts Kafka Streams and the endpoint. */
    public CostAggregatorApp start() throws IOException, Preflight.StartupException {
        Preflight.check(config.streamsProperties(), registry, config.getString(CostAggregatorConfig.SCHEMA_REGISTRY_URL_CONFIG),
                config.startupTimeout());
        application.start();
        int port = config.getInt(CostAggregatorConfig.HTTP_PORT_CONFIG);
        if (port >= 0) {
            Object server = config.originals().get(CostAggregatorConfig.STREAMS_PREFIX + "application.server");
            UsageEndpoint usage = new UsageEndpoint(application.streams(), AggregatorSettings.from(config),
                    server == null ? null : org.apache.kafka.streams.state.HostInfo.buildFromEndpoint(server.toString()));
            endpoint = new OperationsServer(config.getString(CostAggregatorConfig.HTTP_HOST_CONFIG), port, meters, application.health(),
                    Map.of(UsageEndpoint.PATH, usage::handle));
        }
        log.info("Cost aggregator started with {} price entries", prices.size());
        return this;
    }

    public KafkaStreams streams() {
        return application.streams();
    }

    public PriceBook prices() {
        return prices;
    }

    public Health health() {
        return application.health();
    }

    /** Port of the HTTP endpoint (usage queries, {@code /metrics}, {@code /health/live}, {@code /health/ready}), or -1. */
    public int httpPort() {
        return endpoint == null ? -1 : endpoint.port();
    }

    @Override
    public void close() {
        if (endpoint != null) {
            endpoint.close();
        }
        application.close(Duration.ofSeconds(60));
        registry.close();
    }

    public static void main(String[] args) throws Exception {
        ApplicationMain.run("CostAggregatorApp", args, CostAggregatorApp::start);
    }
}
