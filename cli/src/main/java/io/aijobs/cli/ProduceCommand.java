package io.aijobs.cli;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicNames;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.contracts.InvalidJobException;
import io.aijobs.producer.JobJson;
import io.aijobs.producer.JobPublisher;
import io.aijobs.contracts.JobValidator;
import io.aijobs.producer.PublisherConfig;
import io.aijobs.schema.JobRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code aijobs produce}: publishes jobs from a JSON-lines file or generated ones, through the producer library.
 *
 * <p>A file is read, parsed and validated whole before anything is sent: one bad line (reported with its line
 * number) means nothing is sent, unless {@code --skip-invalid}.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Publish jobs from a JSON-lines file or generated ones to the tenant's jobs topic (tenant.<tenant>.jobs under the default prefix).",
        footer = {"", "JSON line format:",
                "  {\"jobId\":\"order-42\",\"tenantId\":\"acme\",\"model\":\"gpt-4o-mini\",",
                "   \"messages\":[{\"role\":\"user\",\"content\":\"Summarise ...\"}],",
                "   \"maxOutputTokens\":256,\"temperature\":0.2,\"deadline\":\"2026-11-27T12:00:00Z\",\"traceId\":\"t-1\",",
                "   \"metadata\":{\"source\":\"crm\"},\"priority\":\"batch\"}   (priority: interactive, the default, or batch)",
                "Blank lines and lines starting with # are skipped."})
final class ProduceCommand implements Callable<Integer> {

    static final class Source {
        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "JSON-lines file of jobs ('-' for standard input)")
        String file;

        @Option(names = "--generate", paramLabel = "N", description = "Generate N demo jobs")
        Integer generate;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--tenants", paramLabel = "M", defaultValue = "3",
            description = "With --generate: spread jobs over M tenants demo-1..demo-M (default: ${DEFAULT-VALUE})")
    int tenants;

    @Option(names = "--model", defaultValue = "stub-model", description = "With --generate: model name (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--skip-invalid", description = "Send the valid lines of a file even if some are invalid")
    boolean skipInvalid;

    @Option(names = "--traceparent", paramLabel = "TRACEPARENT",
            description = "W3C traceparent every job carries, e.g. 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01: "
                    + "the processor continues that trace (default: none; the processor starts one per job)")
    String traceparent;

    @Option(names = "--tracestate", paramLabel = "TRACESTATE", description = "W3C tracestate sent with --traceparent")
    String tracestate;

    @Option(names = "--create-topics", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Create missing tenant and platform topics first (dev convenience; default: ${DEFAULT-VALUE})")
    boolean createTopics;

    @Option(names = "--auto-register-schemas", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Register the JobRequest schema if missing (default: ${DEFAULT-VALUE}; production producers keep it off)")
    boolean autoRegister;

    @Mixin
    StackOptions stack;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (source.generate != null && source.generate < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--generate needs a positive count");
        }
        if (tenants < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--tenants needs a positive count");
        }
        io.aijobs.contracts.TraceContext trace = null;
        if (tracestate != null && traceparent == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--tracestate needs --traceparent");
        }
        if (traceparent != null) {
            try {
                trace = new io.aijobs.contracts.TraceContext(traceparent, tracestate);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--traceparent: " + e.getMessage());
            }
        }
        List<JobRequest> jobs;
        if (source.file != null) {
            ParsedFile parsed = parse(source.file);
            parsed.errors().forEach(err::println);
            if (!parsed.errors().isEmpty() && !skipInvalid) {
                err.println(parsed.errors().size() + " invalid line(s) in " + source.file + "; nothing was sent (use --skip-invalid to send the rest)");
                return 1;
            }
            jobs = parsed.jobs();
        } else {
            jobs = DemoJobs.generate(source.generate, tenants, model, Clock.systemUTC());
        }
        if (jobs.isEmpty()) {
            err.println("No jobs to send.");
            return 1;
        }
        StackEndpoints endpoints = stack.resolve();
        if (createTopics) {
            TreeSet<String> tenantIds = new TreeSet<>();
            jobs.forEach(job -> tenantIds.add(job.getTenantId()));
            try (Admin admin = Admin.create(endpoints.adminClientConfig())) {
                List<String> created = DevTopics.ensure(admin, stack.catalog(), tenantIds.stream().map(TenantId::of).toList());
                if (!created.isEmpty()) {
                    out.println("Created topics: " + String.join(", ", created));
                }
            }
        }
        Summary summary = send(jobs, endpoints, out, trace);
        out.println(summary.describe());
        return summary.failed.get() == 0 ? 0 : 1;
    }

    record ParsedFile(List<JobRequest> jobs, List<String> errors) {
    }

    /** Parses and validates every line; errors carry the line number and the field. */
    static ParsedFile parse(String file) throws IOException {
        JobJson json = new JobJson(Clock.systemUTC());
        JobValidator validator = new JobValidator(256 * 1024);
        List<JobRequest> jobs = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        try (BufferedReader reader = "-".equals(file)
                ? new BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank() || line.stripLeading().startsWith("#")) {
                    continue;
                }
                try {
                    JobRequest job = json.parse(line);
                    validator.validate(job);
                    jobs.add(job);
                } catch (InvalidJobException e) {
                    errors.add(file + ":" + number + ": " + String.join("; ", e.violations().stream().map(Object::toString).toList()));
                } catch (IllegalArgumentException e) {
                    errors.add(file + ":" + number + ": " + e.getMessage());
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("No such file: " + file);
        }
        return new ParsedFile(jobs, errors);
    }

    private Summary send(List<JobRequest> jobs, StackEndpoints endpoints, PrintWriter out, io.aijobs.contracts.TraceContext trace)
            throws InterruptedException {
        Summary summary = new Summary(jobs.size());
        Progress progress = new Progress(out, jobs.size());
        try (JobPublisher publisher = JobPublisher.create(stack.publisherConfig(endpoints, Map.of(
                PublisherConfig.AUTO_REGISTER_SCHEMAS_CONFIG, autoRegister,
                // topics may be minutes old: one batch in flight per partition keeps a retried first batch in order
                "max.in.flight.requests.per.connection", 1)))) {
            for (JobRequest job : jobs) {
                publisher.publish(job, trace).whenComplete((metadata, error) -> {
                    if (error == null) {
                        summary.sent(job.getTenantId());
                    } else {
                        summary.failed(error);
                    }
                });
                progress.update(summary.done());
            }
            publisher.flush();
        }
        progress.update(summary.done());
        progress.finish();
        return summary;
    }

    /** Counts per tenant, filled from producer callbacks. */
    static final class Summary {
        private final int total;
        private final long started = System.nanoTime();
        private final Map<String, AtomicLong> byTenant = new ConcurrentHashMap<>();
        final AtomicLong failed = new AtomicLong();
        private volatile String firstError;

        Summary(int total) {
            this.total = total;
        }

        void sent(String tenant) {
            byTenant.computeIfAbsent(tenant, t -> new AtomicLong()).incrementAndGet();
        }

        void failed(Throwable error) {
            if (failed.incrementAndGet() == 1) {
                firstError = error.getMessage();
            }
        }

        int done() {
            return (int) (byTenant.values().stream().mapToLong(AtomicLong::get).sum() + failed.get());
        }

        String describe() {
            double seconds = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
            long sent = done() - failed.get();
            StringBuilder text = new StringBuilder(String.format("Sent %d of %d jobs to %d tenant(s) in %.1f s (%.0f jobs/s)",
                    sent, total, byTenant.size(), seconds, sent / seconds));
            new TreeMap<>(byTenant).forEach((tenant, count) -> text.append(String.format("%n  %-24s %d", tenant, count.get())));
            if (failed.get() > 0) {
                text.append(String.format("%nFailed: %d (first error: %s)", failed.get(), firstError));
            }
            return text.toString();
        }
    }
}
