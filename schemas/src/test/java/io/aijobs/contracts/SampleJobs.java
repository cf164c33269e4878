package io.aijobs.contracts;

import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Test data. */
public final class SampleJobs {

    private SampleJobs() {
    }

    public static JobRequest job(String jobId, String tenant) {
        return JobRequest.newBuilder()
                .setJobId(jobId)
                .setTenantId(tenant)
                .setModel("stub-model")
                .setMessages(List.of(new ChatMessage("user", "Summarise the ticket " + jobId)))
                .setParameters(JobParameters.newBuilder().setMaxOutputTokens(64).setTemperature(0.2).build())
                .setSubmittedAt(Instant.parse("2026-11-27T10:15:30.123Z"))
                .setTraceId("trace-" + jobId)
                .setMetadata(Map.of("source", "test"))
                .build();
    }
}
