package io.aijobs.processor.execution;

import io.aijobs.contracts.JobHeaders;
import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicNames;
import io.aijobs.processor.model.ModelOutcome;
import io.aijobs.schema.Cost;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobEvent;
import io.aijobs.schema.JobEventType;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.JobTimings;
import io.aijobs.schema.ModelCallUsage;
import io.aijobs.schema.RecordOrigin;
import io.aijobs.schema.state.JobExecutionState;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Builds the records the processor writes, from a job and what happened to it. No I/O, no state. */
final class JobOutputs {

    private final TopicNames names;

    JobOutputs(TopicNames names) {
        this.names = names;
    }

    JobResult result(JobRequest job, ModelOutcome.Success success, Cost cost, JobExecutionState state, long now) {
        return JobResult.newBuilder()
                .setJobId(job.getJobId())
                .setTenantId(job.getTenantId())
                .setModel(success.model().isEmpty() ? job.getModel() : success.model())
                .setOutput(success.output())
                .setFinishReason(success.finishReason())
                .setInputTokens(success.inputTokens())
                .setOutputTokens(success.outputTokens())
                .setCost(cost)
                .setAttempts(state.getAttempt())
                .setTimings(JobTimings.newBuilder()
                        .setSubmittedAt(job.getSubmittedAt())
                        .setStartedAt(Instant.ofEpochMilli(state.getStartedAt()))
                        .setCompletedAt(Instant.ofEpochMilli(now))
                        .setModelLatencyMs(success.latency().toMillis())
                        .build())
                .setTraceId(job.getTraceId())
                .setMetadata(job.getMetadata())
                .build();
    }

    ModelCallUsage usage(JobRequest job, int attempt, ModelOutcome outcome, int inputTokens, int outputTokens, Cost cost,
                         boolean isFinal, long startedAt, long now) {
        return ModelCallUsage.newBuilder()
                .setCallId(job.getJobId() + "-" + attempt)
                .setJobId(job.getJobId())
                .setTenantId(job.getTenantId())
                .setModel(job.getModel())
                .setAttempt(attempt)
                .setOutcome(FailureClassifier.callOutcome(outcome))
                .setHttpStatus(outcome.httpStatus().orElse(null))
                .setInputTokens(inputTokens)
                .setOutputTokens(outputTokens)
                .setCost(cost)
                .setProducedResult(isFinal)
                .setStartedAt(Instant.ofEpochMilli(startedAt))
                .setCompletedAt(Instant.ofEpochMilli(now))
                .setLatencyMs(outcome.latency().toMillis())
                .setJobSubmittedAt(job.getSubmittedAt())
                .setTraceId(job.getTraceId())
                .build();
    }

    JobEvent event(JobRequest job, JobEventType type, int attempt, FailureCategory category, String detail, long now) {
        return JobEvent.newBuilder()
                .setJobId(job.getJobId())
                .setTenantId(job.getTenantId())
                .setType(type)
                .setAt(Instant.ofEpochMilli(now))
                .setAttempt(attempt)
                .setCategory(category)
                .setDetail(detail)
                .setTraceId(job.getTraceId())
                .build();
    }

    /** A failed model call: no original bytes, the job decoded fine. */
    JobFailure failure(JobRequest job, JobExecutionState state, FailureCategory category, ModelOutcome outcome, long now) {
        return JobFailure.newBuilder()
                .setJobId(job.getJobId())
                .setTenantId(job.getTenantId())
                .setCategory(category)
                .setErrorType(FailureClassifier.errorType(outcome))
                .setErrorCode(outcome instanceof ModelOutcome.InvalidRequest invalid ? invalid.code().orElse(null) : null)
                .setMessage(FailureClassifier.message(outcome))
                .setAttempts(state.getAttempt())
                .setFirstFailureAt(Instant.ofEpochMilli(now))
                .setLastFailureAt(Instant.ofEpochMilli(now))
                .setOrigin(RecordOrigin.newBuilder().setTopic(state.getOriginTopic()).setPartition(state.getOriginPartition())
                        .setOffset(state.getOriginOffset()).build())
                .setTraceId(job.getTraceId())
                .build();
    }

    /** A record rejected before any call; keeps the original bytes when it could not be decoded. */
    JobFailure rejection(TenantId tenant, JobRequest job, FailureCategory category, String errorType, String message,
                         RecordMetadata origin, long recordTimestamp, String originalKey, byte[] originalValue, long now) {
        return JobFailure.newBuilder()
                .setJobId(job != null ? job.getJobId() : null)
                .setTenantId(tenant != null ? tenant.value() : null)
                .setCategory(category)
                .setErrorType(errorType)
                .setMessage(message == null ? errorType : message)
                .setAttempts(0)
                .setFirstFailureAt(Instant.ofEpochMilli(now))
                .setLastFailureAt(Instant.ofEpochMilli(now))
                .setOrigin(RecordOrigin.newBuilder().setTopic(origin.topic()).setPartition(origin.partition())
                        .setOffset(origin.offset()).setTimestamp(Instant.ofEpochMilli(recordTimestamp)).build())
                .setOriginalKey(originalKey == null ? null : ByteBuffer.wrap(originalKey.getBytes(StandardCharsets.UTF_8)))
                .setOriginalValue(originalValue == null ? null : ByteBuffer.wrap(originalValue))
                .setTraceId(job != null ? job.getTraceId() : null)
                .build();
    }

    Headers headers(JobRequest job, int attempt, FailureCategory category) {
        RecordHeaders headers = new RecordHeaders();
        add(headers, JobHeaders.TENANT, job.getTenantId());
        add(headers, JobHeaders.JOB_ID, job.getJobId());
        add(headers, JobHeaders.TRACE_ID, job.getTraceId());
        if (attempt > 0) {
            add(headers, JobHeaders.ATTEMPT, Integer.toString(attempt));
        }
        if (category != null) {
            add(headers, JobHeaders.CATEGORY, category.name());
        }
        return headers;
    }

    Headers rejectionHeaders(TenantId tenant, JobRequest job, FailureCategory category, String errorType, String message,
                             RecordMetadata origin) {
        RecordHeaders headers = new RecordHeaders();
        add(headers, JobHeaders.TENANT, tenant != null ? tenant.value() : null);
        add(headers, JobHeaders.JOB_ID, job != null ? job.getJobId() : null);
        add(headers, JobHeaders.CATEGORY, category.name());
        add(headers, JobHeaders.ATTEMPT, "0");
        add(headers, JobHeaders.STREAMS_ERRORS_EXCEPTION, errorType);
        add(headers, JobHeaders.STREAMS_ERRORS_MESSAGE, message);
        add(headers, JobHeaders.STREAMS_ERRORS_TOPIC, origin.topic());
        add(headers, JobHeaders.STREAMS_ERRORS_PARTITION, Integer.toString(origin.partition()));
        add(headers, JobHeaders.STREAMS_ERRORS_OFFSET, Long.toString(origin.offset()));
        return headers;
    }

    /** Where a failure goes: its tenant's dead-letter topic, or the platform's when the tenant is unknown. */
    String deadLetterTopic(JobFailure failure) {
        return failure.getTenantId() != null && TenantId.isValid(failure.getTenantId())
                ? names.deadLetter(TenantId.of(failure.getTenantId())) : names.platformDeadLetter();
    }

    private static void add(Headers headers, String name, String value) {
        if (value != null) {
            headers.add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }
}
