package io.aijobs.processor.execution;

import io.aijobs.contracts.JobValidator;
import io.aijobs.contracts.TopicNames;
import io.aijobs.processor.ProcessorConfig.UnknownModelPolicy;
import io.aijobs.processor.admission.TenantPolicyEnforcer;
import io.aijobs.processor.cache.ResponseCacheBounds;
import io.aijobs.processor.failure.FailurePolicies;
import io.aijobs.processor.metrics.ProcessorMetrics;
import io.aijobs.model.routing.ModelRouter;
import io.aijobs.processor.pricing.PriceTable;
import io.aijobs.schema.JobRequest;
import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * What every task's {@link JobExecutionProcessor} shares within one processor instance: one model router, one
 * in-flight limit and fair share of it between tenants, one price table, one failure policy, one metrics registry, one
 * set of tenant rate limits, one {@link OutputSchemas}, one {@link BatchRouting}.
 */
public record ExecutionDependencies(
        TopicNames names,
        Deserializer<JobRequest> jobDeserializer,
        JobValidator validator,
        ModelRouter router,
        InFlightLimiter limiter,
        PriceTable prices,
        UnknownModelPolicy unknownModelPolicy,
        ProcessorMetrics metrics,
        Duration backpressureMaxBlock,
        Duration completionPollInterval,
        Duration dedupHorizon,
        Duration dedupCleanupInterval,
        FailurePolicies failurePolicies,
        Duration retryPollInterval,
        TenantPolicyEnforcer tenantPolicies,
        FairShare fairShare,
        int queuedJobsPerTenant,
        OutputSchemas outputSchemas,
        ResponseCacheBounds responseCache,
        BatchRouting batches,
        io.aijobs.processor.tracing.JobTracing tracing) {

    public ExecutionDependencies {
        Objects.requireNonNull(names, "names");
        Objects.requireNonNull(jobDeserializer, "jobDeserializer");
        Objects.requireNonNull(validator, "validator");
        Objects.requireNonNull(router, "router");
        Objects.requireNonNull(limiter, "limiter");
        Objects.requireNonNull(prices, "prices");
        Objects.requireNonNull(unknownModelPolicy, "unknownModelPolicy");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(backpressureMaxBlock, "backpressureMaxBlock");
        Objects.requireNonNull(completionPollInterval, "completionPollInterval");
        Objects.requireNonNull(dedupHorizon, "dedupHorizon");
        Objects.requireNonNull(dedupCleanupInterval, "dedupCleanupInterval");
        Objects.requireNonNull(failurePolicies, "failurePolicies");
        Objects.requireNonNull(retryPollInterval, "retryPollInterval");
        Objects.requireNonNull(tenantPolicies, "tenantPolicies");
        Objects.requireNonNull(fairShare, "fairShare");
        Objects.requireNonNull(outputSchemas, "outputSchemas");
        Objects.requireNonNull(responseCache, "responseCache");
        Objects.requireNonNull(batches, "batches");
        Objects.requireNonNull(tracing, "tracing");
        if (queuedJobsPerTenant < 1) {
            throw new IllegalArgumentException("queuedJobsPerTenant must be at least 1, got " + queuedJobsPerTenant);
        }
    }
}
