package io.aijobs.processor.execution;

import io.aijobs.contracts.JobHeaders;
import io.aijobs.contracts.TenantId;
import io.aijobs.processor.failure.Failure;
import io.aijobs.processor.failure.FailureClassifier;
import io.aijobs.processor.failure.FailurePolicies;
import io.aijobs.model.ModelOutcome;
import io.aijobs.pricing.PricedCall;
import io.aijobs.schema.CallOutcome;
import io.aijobs.schema.Cost;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobEvent;
import io.aijobs.schema.JobEventType;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.JobResult;
import io.aijobs.schema.JobRetry;
import io.aijobs.schema.JobTimings;
import io.aijobs.schema.ModelCallUsage;
import io.aijobs.schema.ResponseCacheEntry;
import io.aijobs.schema.RecordOrigin;
import io.aijobs.schema.state.JobExecutionState;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Builds the records the processor writes, from a job and what happened to it. No I/O, no state: a job's trace context
 * ({@code traceparent}, {@code tracestate}) comes from {@code traces}.
 */
final class JobOutputs {

    private final java.util.function.Function<JobRequest, java.util.Map<String, String>> traces;

    JobOutputs(java.util.function.Function<JobRequest, java.util.Map<String, String>> traces) {
        this.traces = traces;
    }

    /** Sets {@code trace}'s headers on {@code headers}, replacing any trace context they had. */
    static Headers withTrace(Headers headers, java.util.Map<String, String> trace) {
        trace.forEach((name, value) -> {
            headers.remove(name);
            add(headers, name, value);
        });
        return headers;
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
                .setCachedInputTokens(success.cachedInputTokens())
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

    /**
     * The result of a job answered from its tenant's response cache: the cached answer and its token counts, cost 0,
     * the calls it made before ({@code attempts}: 0 unless it failed and was replayed or retried), {@code cached}, and
     * what the call that produced the answer would cost now ({@code saved}; null when unpriced).
     */
    JobResult cachedResult(JobRequest job, ResponseCacheEntry entry, PricedCall saved, int attempts, long now) {
        return JobResult.newBuilder()
                .setJobId(job.getJobId())
                .setTenantId(job.getTenantId())
                .setModel(entry.getAnsweredBy().isEmpty() ? job.getModel() : entry.getAnsweredBy())
                .setOutput(entry.getOutput())
                .setFinishReason(entry.getFinishReason())
                .setInputTokens(entry.getInputTokens())
                .setOutputTokens(entry.getOutputTokens())
                .setCachedInputTokens(entry.getCachedInputTokens())
                .setCost(free(saved))
                .setAttempts(attempts)
                .setTimings(JobTimings.newBuilder()
                        .setSubmittedAt(job.getSubmittedAt())
                        .setStartedAt(Instant.ofEpochMilli(now))
                        .setCompletedAt(Instant.ofEpochMilli(now))
                        .setModelLatencyMs(0)
                        .build())
                .setTraceId(job.getTraceId())
                .setMetadata(job.getMetadata())
                .setCached(true)
                .setSavedCost(saved.cost().getPriced() ? saved.cost() : null)
                .setCachedFrom(entry.getSourceJobId())
                .build();
    }

    /** The usage record of a cache hit: outcome CACHE_HIT, attempt 0, no tokens, cost 0, and what it saved. */
    ModelCallUsage cacheHitUsage(JobRequest job, PricedCall saved, long now) {
        return ModelCallUsage.newBuilder()
                .setCallId(job.getJobId() + "-0")
                .setJobId(job.getJobId())
                .setTenantId(job.getTenantId())
                .setModel(job.getModel())
                .setAttempt(0)
                .setOutcome(CallOutcome.CACHE_HIT)
                .setHttpStatus(null)
                .setInputTokens(0)
                .setOutputTokens(0)
                .setCost(free(saved))
                .setResponseCacheSavedNanos(saved.cost().getPriced() ? saved.cost().getAmountNanos() : 0)
                .setProducedResult(true)
                .setStartedAt(Instant.ofEpochMilli(now))
                .setCompletedAt(Instant.ofEpochMilli(now))
                .setLatencyMs(0)
                .setJobSubmittedAt(job.getSubmittedAt())
                .setTraceId(job.getTraceId())
                .setEndpoint(null)
                .build();
    }

    /** What a job answered with no call costs: 0, priced, in the currency and price version its saving was priced at. */
    private static Cost free(PricedCall saved) {
        return Cost.newBuilder().setAmountNanos(0).setCurrency(saved.cost().getCurrency())
                .setPricingVersion(saved.cost().getPricingVersion()).setPriced(true).build();
    }

    /** The answer of a call, kept in its tenant's response cache under {@code key} ({@code <tenantId>/<requestHash>}). */
    ResponseCacheEntry cacheEntry(String key, JobRequest job, ModelOutcome.Success success, long now) {
        return ResponseCacheEntry.newBuilder()
                .setTenantId(job.getTenantId())
                .setRequestHash(key.substring(key.indexOf('/') + 1))
                .setModel(job.getModel())
                .setAnsweredBy(success.model())
                .setOutput(success.output())
                .setFinishReason(success.finishReason())
                .setInputTokens(success.inputTokens())
                .setCachedInputTokens(success.cachedInputTokens())
                .setOutputTokens(success.outputTokens())
                .setSourceJobId(job.getJobId())
                .setCreatedAt(Instant.ofEpochMilli(now))
                .build();
    }

    ModelCallUsage usage(JobRequest job, int attempt, ModelOutcome outcome, CallTokens tokens, PricedCall priced,
                         boolean isFinal, long startedAt, String endpoint, String batchId, long now) {
        return ModelCallUsage.newBuilder()
                .setCallId(job.getJobId() + "-" + attempt)
                .setJobId(job.getJobId())
                .setTenantId(job.getTenantId())
                .setModel(job.getModel())
                .setAttempt(attempt)
                .setOutcome(FailureClassifier.callOutcome(outcome))
                .setHttpStatus(outcome.httpStatus().orElse(null))
                .setInputTokens(tokens.input())
                .setOutputTokens(tokens.output())
                .setCost(priced.cost())
                .setCachedInputTokens(tokens.cached())
                .setPromptCacheSavedNanos(priced.promptCacheSavedNanos())
                .setBatchSavedNanos(priced.batchSavedNanos())
                .setBatchId(batchId)
                .setProducedResult(isFinal)
                .setStartedAt(Instant.ofEpochMilli(startedAt))
                .setCompletedAt(Instant.ofEpochMilli(now))
                // a batch's answer: from its submission to its reading back
                .setLatencyMs(batchId != null ? Math.max(0, now - startedAt) : outcome.latency().toMillis())
                .setJobSubmittedAt(job.getSubmittedAt())
                .setTraceId(job.getTraceId())
                .setEndpoint(endpoint == null || endpoint.isEmpty() ? null : endpoint)
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

    /** A job that failed after one or more model calls; keeps the job's original bytes for replay. */
    JobFailure failure(JobRequest job, JobExecutionState state, Failure failure, long now) {
        long firstFailure = state.getFirstFailureAt() != null ? state.getFirstFailureAt() : now;
        return JobFailure.newBuilder()
                .setJobId(job.getJobId())
                .setTenantId(job.getTenantId())
                .setCategory(failure.category())
                .setErrorType(failure.errorType())
                .setErrorCode(failure.errorCode())
                .setMessage(failure.message())
                .setAttempts(state.getAttempt())
                .setFirstFailureAt(Instant.ofEpochMilli(firstFailure))
                .setLastFailureAt(Instant.ofEpochMilli(now))
                .setOrigin(origin(state))
                .setOriginalKey(ByteBuffer.wrap(job.getJobId().getBytes(StandardCharsets.UTF_8)))
                .setOriginalValue(state.getRequestBytes() == null ? null : state.getRequestBytes().duplicate())
                .setTraceId(job.getTraceId())
                .build();
    }

    JobRetry retry(JobRequest job, JobExecutionState state, Failure failure, FailurePolicies.Retry retry, long now) {
        return JobRetry.newBuilder()
                .setJobId(job.getJobId())
                .setTenantId(job.getTenantId())
                .setCategory(failure.category())
                .setTier(retry.policy().tier())
                .setFailedAttempt(state.getAttempt())
                .setNextAttempt(state.getAttempt() + 1)
                .setMaxAttempts(state.getAttemptOffset() + retry.policy().maxAttempts())
                .setDueAt(Instant.ofEpochMilli(retry.dueAt()))
                .setDelayMs(retry.delayMillis())
                .setRetryAfterMs(failure.retryAfter().map(d -> d.toMillis()).orElse(null))
                .setFirstFailureAt(Instant.ofEpochMilli(state.getFirstFailureAt() != null ? state.getFirstFailureAt() : now))
                .setLastFailureAt(Instant.ofEpochMilli(now))
                .setErrorType(failure.errorType())
                .setHttpStatus(failure.httpStatus())
                .setMessage(failure.message())
                .setOrigin(origin(state))
                .setTraceId(job.getTraceId())
                .build();
    }

    /** Headers of retry and dead-letter records of a job that decoded: ours plus Kafka Streams' KIP-1034 names. */
    Headers failureHeaders(JobRequest job, JobExecutionState state, Failure failure, Long dueAt, long firstFailureAt) {
        Headers headers = headers(job, state.getAttempt(), failure.category());
        add(headers, JobHeaders.ERROR_TYPE, failure.errorType());
        add(headers, JobHeaders.FIRST_FAILURE_AT, Long.toString(firstFailureAt));
        if (dueAt != null) {
            add(headers, JobHeaders.RETRY_DUE_AT, Long.toString(dueAt));
        }
        add(headers, JobHeaders.STREAMS_ERRORS_EXCEPTION, failure.errorType());
        add(headers, JobHeaders.STREAMS_ERRORS_MESSAGE, failure.message());
        add(headers, JobHeaders.STREAMS_ERRORS_TOPIC, state.getOriginTopic());
        add(headers, JobHeaders.STREAMS_ERRORS_PARTITION, Integer.toString(state.getOriginPartition()));
        add(headers, JobHeaders.STREAMS_ERRORS_OFFSET, Long.toString(state.getOriginOffset()));
        return headers;
    }

    private static RecordOrigin origin(JobExecutionState state) {
        return RecordOrigin.newBuilder().setTopic(state.getOriginTopic()).setPartition(state.getOriginPartition())
                .setOffset(state.getOriginOffset()).build();
    }

    /** A record rejected before any call, read at {@code now}; keeps the original key and value bytes. */
    JobFailure rejection(TenantId tenant, JobRequest job, Failure failure, RecordMetadata origin, String originalKey,
                         byte[] originalValue, long now) {
        return JobFailure.newBuilder()
                .setJobId(job != null ? job.getJobId() : null)
                .setTenantId(tenant != null ? tenant.value() : null)
                .setCategory(failure.category())
                .setErrorType(failure.errorType())
                .setMessage(failure.message())
                .setAttempts(0)
                .setFirstFailureAt(Instant.ofEpochMilli(now))
                .setLastFailureAt(Instant.ofEpochMilli(now))
                .setOrigin(RecordOrigin.newBuilder().setTopic(origin.topic()).setPartition(origin.partition())
                        .setOffset(origin.offset()).setTimestamp(Instant.ofEpochMilli(now)).build())
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
        withTrace(headers, traces.apply(job));
        if (attempt > 0) {
            add(headers, JobHeaders.ATTEMPT, Integer.toString(attempt));
        }
        if (category != null) {
            add(headers, JobHeaders.CATEGORY, category.name());
        }
        return headers;
    }

    Headers rejectionHeaders(TenantId tenant, JobRequest job, Failure failure, RecordMetadata origin, long now) {
        RecordHeaders headers = new RecordHeaders();
        add(headers, JobHeaders.TENANT, tenant != null ? tenant.value() : null);
        add(headers, JobHeaders.JOB_ID, job != null ? job.getJobId() : null);
        add(headers, JobHeaders.TRACE_ID, job != null ? job.getTraceId() : null);
        add(headers, JobHeaders.CATEGORY, failure.category().name());
        add(headers, JobHeaders.ATTEMPT, "0");
        add(headers, JobHeaders.ERROR_TYPE, failure.errorType());
        add(headers, JobHeaders.FIRST_FAILURE_AT, Long.toString(now));
        add(headers, JobHeaders.STREAMS_ERRORS_EXCEPTION, failure.errorType());
        add(headers, JobHeaders.STREAMS_ERRORS_MESSAGE, failure.message());
        add(headers, JobHeaders.STREAMS_ERRORS_TOPIC, origin.topic());
        add(headers, JobHeaders.STREAMS_ERRORS_PARTITION, Integer.toString(origin.partition()));
        add(headers, JobHeaders.STREAMS_ERRORS_OFFSET, Long.toString(origin.offset()));
        return headers;
    }

    /** Where a failure goes: its tenant's dead-letter topic, or the platform's when the tenant is unknown. */
    /** The tenant whose dead-letter topic takes {@code failure}; empty when it names none, or an invalid one. */
    static java.util.Optional<TenantId> deadLetterTenant(JobFailure failure) {
        return failure.getTenantId() != null && TenantId.isValid(failure.getTenantId())
                ? java.util.Optional.of(TenantId.of(failure.getTenantId())) : java.util.Optional.empty();
    }

    private static void add(Headers headers, String name, String value) {
        if (value != null) {
            headers.add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }
}
