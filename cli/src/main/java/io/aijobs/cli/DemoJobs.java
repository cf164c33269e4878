package io.aijobs.cli;

import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Generated demo workload: jobs spread round-robin over tenants demo-1..demo-M. */
final class DemoJobs {

    private static final String[] PROMPTS = {
        "Summarise this support ticket in one sentence: the invoice PDF fails to download on mobile.",
        "Classify the sentiment of: 'Delivery was late but the support team was great.'",
        "Extract the company name from: 'Meeting notes with Globex Corporation, Q3 renewal.'",
        "Translate to French: 'Your order has shipped.'",
        "Write a subject line for an email announcing a maintenance window on Sunday.",
    };

    private DemoJobs() {
    }

    /** How long a demo tenant's response cache keeps an answer. */
    static final java.time.Duration CACHE_TTL = java.time.Duration.ofHours(1);

    static String tenant(int index) {
        return "demo-" + index;
    }

    /**
     * What a demo tenant is given: the defaults, and a response cache of {@link #CACHE_TTL}. The demo's questions repeat
     * (temperature 0), so a tenant's later jobs are answered from its cache with no call.
     */
    static io.aijobs.tenancy.TenantSpec spec(io.aijobs.contracts.TenantId tenant) {
        return io.aijobs.tenancy.TenantSpec.of(tenant).withResponseCache(new io.aijobs.tenancy.TenantSpec.ResponseCache(CACHE_TTL, false));
    }

    static List<JobRequest> generate(int count, int tenants, String model, Clock clock) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<JobRequest> jobs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            jobs.add(job(run, i, tenant(1 + i % tenants), model, clock));
        }
        return jobs;
    }

    static JobRequest job(String run, int index, String tenant, String model, Clock clock) {
        return job(run, index, tenant, model, clock, false);
    }

    /**
     * @param stubFaults every 50th job asks the model stub for a 400 ({@code [[stub:invalid_request]]}), so the demo
     *                   shows dead letters; only meaningful against the stub
     */
    static JobRequest job(String run, int index, String tenant, String model, Clock clock, boolean stubFaults) {
        String prompt = PROMPTS[index % PROMPTS.length];
        if (stubFaults && index % 50 == 49) {
            prompt = prompt + " [[stub:invalid_request]]";
        }
        return JobRequest.newBuilder()
                .setJobId("demo-" + run + "-" + index)
                .setTenantId(tenant)
                .setModel(model)
                .setMessages(List.of(new ChatMessage("system", "You are a concise assistant."),
                        new ChatMessage("user", prompt)))
                .setParameters(JobParameters.newBuilder().setMaxOutputTokens(64).setTemperature(0.0).build())
                .setSubmittedAt(clock.instant())
                .setTraceId("trace-" + run + "-" + index)
                .setMetadata(Map.of("source", "aijobs-demo"))
                .build();
    }
}
