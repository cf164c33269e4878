package io.aijobs.cli;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicCatalog;
import io.aijobs.contracts.Topics;
import io.aijobs.serde.AvroSerdeConfig;
import io.aijobs.devstack.DevStack;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.processor.ProcessorApp;
import io.aijobs.processor.ProcessorConfig;
import io.aijobs.producer.JobPublisher;
import io.aijobs.producer.PublisherConfig;
import io.aijobs.schema.JobRequest;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code aijobs dev}: the main job on the embedded stack. Starts the stack (or uses the one running), prepares
 * the demo tenants' topics and schemas, runs the processor, publishes a demo workload across the tenants, and
 * shows a live summary per tenant (jobs, results, dead letters, cost, latency) until Ctrl-C, {@code --duration},
 * or with {@code --until-done} when every published job has an outcome. Stops what it started.
 */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = "Run the platform on the local stack with a demo workload across several tenants and show a live summary. Ctrl-C stops everything it started.")
final class DevCommand implements Callable<Integer> {

    @Mixin
    StackCommand.Settings settings;

    @Option(names = "--tenants", defaultValue = "3", paramLabel = "M", description = "Demo tenants demo-1..demo-M (default: ${DEFAULT-VALUE})")
    int tenants;

    @Option(names = "--jobs", defaultValue = "60", paramLabel = "N", description = "Demo jobs to publish (default: ${DEFAULT-VALUE})")
    int jobs;

    @Option(names = "--rate", defaultValue = "10", paramLabel = "JOBS_PER_S", description = "Publishing rate (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--duration", paramLabel = "DURATION", description = "Stop after this long, ISO-8601 such as PT30S (default: run until Ctrl-C)")
    Duration duration;

    @Option(names = "--until-done", description = "Stop once every published job has a result or a dead letter; "
            + "exit 1 if --duration ends first")
    boolean untilDone;

    @Option(names = "--model-url", paramLabel = "URL",
            description = "OpenAI-compatible base URL of a real model service, e.g. http://127.0.0.1:11434/v1 (default: the stack's model stub)")
    String modelUrl;

    @Option(names = "--budget", defaultValue = "1.00", paramLabel = "USD",
            description = "Monthly budget of each demo tenant, enforced by the cost aggregator (default: ${DEFAULT-VALUE})")
    String budget;

    @Option(names = "--usage-port", defaultValue = "18090", paramLabel = "PORT",
            description = "Port of the cost aggregator's usage endpoint (default: ${DEFAULT-VALUE}; 0 picks a free one)")
    int usagePort;

    @Option(names = "--model", defaultValue = "stub-model", description = "Model the demo jobs ask for (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--max-in-flight", defaultValue = "256", description = "Processor max.in.flight (default: ${DEFAULT-VALUE})")
    int maxInFlight;

    /** Credentials of the secure demo's applications and tenants; null on a plaintext stack. */
    private SecureDemo secure;

    @Option(names = "--keep-stack", description = "Leave the stack running on exit (stop it later with ./aijobs stack down)")
    boolean keepStack;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (tenants < 1 || jobs < 0 || rate <= 0 || maxInFlight < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--tenants, --rate and --max-in-flight must be positive, --jobs at least 0");
        }
        CliLogging.logFile().ifPresent(file -> out.println("Logs go to " + file));
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(90, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "dev-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        DevStack started = null;
        ProcessorApp processor = null;
        io.aijobs.costs.CostAggregatorApp aggregator = null;
        java.nio.file.Path usageEndpoint = null;
        Thread publisherThread = null;
        try {
            Optional<StackEndpoints> running = DevStack.find(settings.stateDir());
            StackEndpoints endpoints;
            if (running.isPresent()) {
                out.println("Using the stack already running from " + settings.stateDir().toAbsolutePath());
                endpoints = running.get();
                if (settings.secure && !endpoints.secure()) {
                    throw new IllegalStateException("The stack running from " + settings.stateDir().toAbsolutePath() + " is not secure; "
                            + "stop it (./aijobs stack down) or pass another --state-dir");
                }
            } else {
                started = DevStack.up(settings.toSettings(), modelUrl == null, out::println);
                endpoints = started.endpoints();
            }
            StackCommand.printEndpoints(out, endpoints);
            String modelBaseUrl = modelUrl != null ? modelUrl : endpoints.modelBaseUrl();
            if (modelBaseUrl == null) {
                throw new IllegalStateException("The running stack has no model stub; pass --model-url");
            }

            List<TenantId> tenantIds = new ArrayList<>();
            for (int i = 1; i <= tenants; i++) {
                tenantIds.add(TenantId.of(DemoJobs.tenant(i)));
            }
            // the topics of the processor this command runs: its default prefixes and retry tiers
            TopicCatalog catalog = new ProcessorConfig(processorConfig(endpoints, modelBaseUrl)).topicCatalog();
            RestSchemaRegistryClient registry = StackOptions.registry(endpoints);
            try (Admin admin = Admin.create(endpoints.adminClientConfig())) {
                List<String> created = DevTopics.ensure(admin, catalog, tenantIds);
                out.println(created.isEmpty() ? "Topics ready." : "Created " + created.size() + " topics.");
                out.println("Registered " + SchemasCommand.register(registry, catalog, tenantIds).size() + " contract subjects.");
                if (endpoints.secure()) {
                    secure = SecureDemo.provision(admin, endpoints, catalog, registry, tenantIds, out);
                } else {
                    // no principals or ACLs without an authorizer: the policies only
                    io.aijobs.tenancy.TenantProvisioner provisioner = new io.aijobs.tenancy.TenantProvisioner(admin,
                            endpoints.adminClientConfig(), new Topics(catalog, registry, new AvroSerdeConfig(Map.of(
                            AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, endpoints.schemaRegistryUrl()))), registry,
                            io.aijobs.tenancy.ApplicationAccess.Principals.defaults(SecureDemo.PROCESSOR_APPLICATION_ID,
                                    SecureDemo.AGGREGATOR_APPLICATION_ID), java.time.Clock.systemUTC());
                    for (TenantId tenant : tenantIds) {
                        provisioner.create(DemoJobs.spec(tenant));
                    }
                }
                out.println("Tenant policies on " + catalog.names().tenantPolicies() + ": a response cache of " + DemoJobs.CACHE_TTL
                        + " each (repeated questions are answered from it, with no call)");
            }

            aggregator = io.aijobs.costs.CostAggregatorApp.start(aggregatorConfig(endpoints));
            usageEndpoint = UsageCommand.usageEndpointFile(settings.stateDir());
            java.nio.file.Files.writeString(usageEndpoint, "http://127.0.0.1:" + aggregator.httpPort());
            out.println("Cost aggregator running; usage at http://127.0.0.1:" + aggregator.httpPort()
                    + "/tenants/<tenant>/usage (./aijobs usage --tenant demo-1)");
            processor = ProcessorApp.start(processorConfig(endpoints, modelBaseUrl));
            out.println("Processor running (max.in.flight " + maxInFlight + ", model " + modelBaseUrl + "); metrics at http://127.0.0.1:"
                    + processor.metricsPort() + "/metrics");

            AtomicLong failed = new AtomicLong();
            boolean done = false;
            long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
            try (ResultTally tally = new ResultTally(endpoints.adminClientConfig(), new Topics(catalog, registry,
                    new AvroSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, endpoints.schemaRegistryUrl()))), tenantIds)) {
                LiveSummary summary = new LiveSummary(out, tenantIds);
                AtomicLong published = new AtomicLong();
                publisherThread = new Thread(() -> publish(endpoints, tally, published, failed, stop), "dev-publisher");
                publisherThread.setDaemon(true);
                publisherThread.start();
                out.println("Publishing " + jobs + " demo jobs at " + rate + "/s. Ctrl-C to stop.");
                while (!stop.await(1, TimeUnit.SECONDS) && System.nanoTime() < deadline) {
                    tally.poll();
                    summary.render(tally, failed.get(), false);
                    if (untilDone && published.get() + failed.get() >= jobs && tally.outcomes() >= published.get()) {
                        done = true;
                        break;
                    }
                }
                tally.poll();
                summary.render(tally, failed.get(), true);
            }
            stop.countDown();
            if (untilDone && !done) {
                spec.commandLine().getErr().println("Not every job had an outcome before the end of --duration"
                        + CliLogging.writtenLogFile().map(file -> "; the log may say why: " + file).orElse(""));
                return 1;
            }
            return failed.get() == 0 ? 0 : 1;
        } finally {
            stop.countDown();
            if (publisherThread != null) {
                publisherThread.join(TimeUnit.SECONDS.toMillis(35));
            }
            if (processor != null) {
                out.println("Stopping the processor ...");
                processor.close();
            }
            if (aggregator != null) {
                out.println("Stopping the cost aggregator ...");
                if (usageEndpoint != null) {
                    java.nio.file.Files.deleteIfExists(usageEndpoint);
                }
                aggregator.close();
            }
            if (started != null && !keepStack) {
                out.println("Stopping the stack ...");
                started.close();
            } else if (started != null) {
                out.println("Stack left running; stop it with ./aijobs stack down");
            }
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is waiting for us
            }
        }
    }

    private Map<String, Object> aggregatorConfig(StackEndpoints endpoints) {
        Map<String, Object> config = new HashMap<>();
        config.put(io.aijobs.costs.CostAggregatorConfig.APPLICATION_ID_CONFIG, "aijobs-cost-aggregator-dev");
        config.put(io.aijobs.costs.CostAggregatorConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers());
        config.putAll(endpoints.registryReaderConfig());
        config.put(io.aijobs.costs.CostAggregatorConfig.BUDGET_DEFAULT_CONFIG, budget);
        config.put(io.aijobs.costs.CostAggregatorConfig.HTTP_PORT_CONFIG, usagePort);
        config.put(io.aijobs.costs.CostAggregatorConfig.STREAMS_PREFIX + "state.dir",
                settings.stateDir().resolve("cost-aggregator").toAbsolutePath().toString());
        if (secure != null) {
            secure.aggregatorSecurity().forEach((key, value) -> config.put(io.aijobs.costs.CostAggregatorConfig.STREAMS_PREFIX + key, value));
        }
        return config;
    }

    private Map<String, Object> processorConfig(StackEndpoints endpoints, String modelBaseUrl) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProcessorConfig.APPLICATION_ID_CONFIG, "aijobs-processor-dev");
        config.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers());
        config.putAll(endpoints.registryReaderConfig());
        config.put(ProcessorConfig.MODEL_BASE_URL_CONFIG, modelBaseUrl);
        config.put(ProcessorConfig.MAX_IN_FLIGHT_CONFIG, maxInFlight);
        config.put(ProcessorConfig.PRICING_VERSION_CONFIG, "dev-1");
        config.put(ProcessorConfig.PRICING_MODELS_CONFIG, "stub-model=0.15:0.60:0.075");
        config.put(ProcessorConfig.METRICS_PORT_CONFIG, 0);
        config.put(ProcessorConfig.TENANT_DISCOVERY_INTERVAL_MS_CONFIG, 5_000L);
        config.put(ProcessorConfig.STREAMS_PREFIX + "state.dir", settings.stateDir().resolve("processor").toAbsolutePath().toString());
        String apiKey = System.getenv("AIJOBS_MODEL_API_KEY");
        if (apiKey != null && !apiKey.isEmpty()) {
            config.put(ProcessorConfig.MODEL_API_KEY_CONFIG, apiKey);
        }
        if (secure != null) {
            // only provisioned tenants run; the processor connects as itself
            config.put(ProcessorConfig.TENANT_POLICY_REQUIRED_CONFIG, true);
            secure.processorSecurity().forEach((key, value) -> config.put(ProcessorConfig.STREAMS_PREFIX + key, value));
        }
        return config;
    }

    private Map<String, Object> publisherConfig(StackEndpoints endpoints, String tenant) {
        Map<String, Object> config = new HashMap<>();
        if (secure != null) {
            config.putAll(secure.tenantSecurity(tenant));
        }
        config.put(PublisherConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers());
        config.putAll(endpoints.registryReaderConfig());
        // topics may be seconds old: one batch in flight per partition keeps a retried first batch in order
        config.put("max.in.flight.requests.per.connection", 1);
        return config;
    }

    private void publish(StackEndpoints endpoints, ResultTally tally, AtomicLong published, AtomicLong failed, CountDownLatch stop) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        long intervalNanos = (long) (1e9 / rate);
        Map<String, JobPublisher> publishers = new HashMap<>();
        try {
            for (int i = 0; i < jobs && stop.getCount() > 0; i++) {
                JobRequest job = DemoJobs.job(run, i, DemoJobs.tenant(1 + i % tenants), model, Clock.systemUTC(),
                        modelUrl == null);
                // on a secure stack each tenant publishes as itself, and could publish nowhere else
                JobPublisher publisher = publishers.computeIfAbsent(job.getTenantId(), tenant -> JobPublisher.create(publisherConfig(
                        endpoints, tenant)));
                publisher.publish(job).whenComplete((metadata, error) -> {
                    if (error == null) {
                        tally.published(job.getTenantId());
                        published.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                    }
                });
                if (stop.await(intervalNanos, TimeUnit.NANOSECONDS)) {
                    break;
                }
            }
            publishers.values().forEach(JobPublisher::flush);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            spec.commandLine().getErr().println("Publishing failed: " + e.getMessage());
        } finally {
            publishers.values().forEach(JobPublisher::close);
        }
    }
}
