package io.aijobs.processor.execution;

import io.aijobs.application.LogContext;
import io.aijobs.contracts.JobHeaders;
import io.aijobs.contracts.TenantId;
import io.aijobs.pricing.PricedCall;
import io.aijobs.processor.cache.ResponseCacheKey;
import io.aijobs.processor.cache.ResponseCacheStore;
import io.aijobs.processor.JobTopology;
import io.aijobs.processor.admission.Admission;
import io.aijobs.processor.admission.AdmissionPipeline;
import io.aijobs.processor.admission.Arrival;
import io.aijobs.processor.admission.Verdict;
import io.aijobs.processor.failure.Failure;
import io.aijobs.processor.failure.FailureClassifier;
import io.aijobs.processor.failure.FailurePolicies;
import io.aijobs.processor.tracing.JobTracing;
import io.opentelemetry.api.trace.Span;
import io.aijobs.model.ModelOutcome;
import io.aijobs.model.routing.ModelRouter;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobEventType;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.ResponseCacheEntry;
import io.aijobs.schema.TenantPolicy;
import io.aijobs.schema.TenantSpend;
import io.aijobs.schema.state.ExecutionStatus;
import io.aijobs.schema.state.JobExecutionState;
import io.aijobs.schema.JobFailure;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes jobs exactly once per jobId, with many model calls in flight and no transaction waiting on any of them.
 *
 * <p>How: a new job is marked IN_FLIGHT in the {@value JobTopology#STATE_STORE} store and its call is started
 * asynchronously; the mark is committed in the same transaction as the job's input offset. When the call ends,
 * the HTTP client's thread puts a {@link Completion} in this task's queue; the stream thread drains the queue at
 * the start of every {@link #process} and from a wall-clock punctuator, writes COMPLETED (or FAILED) and forwards
 * the result, usage and event records, which join the next transaction. After a crash or a rebalance the new owner
 * of the task finds the IN_FLIGHT jobs in the store and issues their calls again, with the same
 * {@code Idempotency-Key}; completions for a task this instance no longer owns are dropped.
 *
 * <p>Whether a record runs at all is decided once per record by the task's {@link AdmissionPipeline} (decoding,
 * contract, tenant, deadline, price, duplicates and replays, tenant policy, budget, in the order it documents); this
 * class acts on its verdict: a dead letter, a DUPLICATE event, or the execution below.
 *
 * <p>Guarantees: one result per jobId per tenant as seen by {@code read_committed} consumers (within the dedup
 * horizon); at most {@code max.in.flight} calls open per instance, and at most a tenant's {@code maxConcurrentCalls}
 * of its own; a duplicate of a
 * queued, in-flight, completed or failed job makes no call (it is recorded as a DUPLICATE event).
 *
 * <p>Limits, plainly:
 * <ul>
 *   <li>A call that was in flight when its instance crashed is made again: duplicate paid calls are bounded by the
 *       calls in flight at the crash, and a provider that honours {@code Idempotency-Key} can drop them.</li>
 *   <li>Deduplication is per partition: jobs must be keyed by jobId (the producer library does so; a record whose
 *       key differs from its jobId is rejected as INVALID).</li>
 *   <li>At capacity a job waits in a durable per-task start queue (QUEUED in the store); which tenant's job starts
 *       when a slot frees is the instance's {@link FairShare} to say (weighted fair, each tenant's cap on open calls,
 *       INTERACTIVE before BATCH within a tenant). Up to {@code backpressure.queued.jobs.per.tenant} jobs of a tenant
 *       are taken in at once, so that other tenants' jobs on the task are not read behind a burst; beyond that, each
 *       further job of the tenant makes the stream thread wait up to {@code backpressure.max.block.ms} for its
 *       backlog to shrink.</li>
 *   <li>A finished job is remembered for {@code dedup.horizon.ms}; a resubmission after that runs again.</li>
 * </ul>
 *
 * <p>Threading: everything but the completion queue is touched only by the task's stream thread. Do not share an
 * instance between tasks; {@link JobExecutionProcessorSupplier} makes one per task.
 */
final class JobExecutionProcessor implements Processor<String, byte[], String, Object> {

    private static final Logger log = LoggerFactory.getLogger(JobExecutionProcessor.class);
    private static final Duration WAIT_SLICE = Duration.ofMillis(5);
    private static final int MAX_PURGE_PER_RUN = 10_000;
    /** The stream thread's time a tick of a task's sweep of expired jobs takes at most: 5% of it per task sweeping. */
    private static final Duration SWEEP_SLICE = Duration.ofMillis(50);
    private static final int MAX_RELEASE_PER_RUN = 10_000;

    private final ExecutionDependencies deps;
    private final Queue<Completion> completions = new ConcurrentLinkedQueue<>();
    private final StartQueue startQueue;
    /** The job {@link #accept} is taking in: {@link #startQueued} starts it from here, not from the store. */
    private String arrivingKey;
    private JobExecutionState arrivingState;
    private JobRequest arrivingJob;
    private boolean arrivingStarted;
    private final JobOutputs outputs;
    private ProcessorContext<String, Object> context;
    private JobStates states;
    private ExpiredJobSweep sweep;
    private KeyValueStore<String, String> timers;
    private ReadOnlyKeyValueStore<String, TenantPolicy> policies;
    private ReadOnlyKeyValueStore<String, TenantSpend> spend;
    private ResponseCacheLookup cache;
    private BatchLane batches;
    private final OpenJobSpans jobSpans;
    /** While a rejected record is dead-lettered: its span's context, which its dead letter and event carry. */
    private java.util.Map<String, String> rejectedTrace;
    private AdmissionPipeline admissions;
    private long nextSequence;
    private volatile boolean closed;
    /**
     * Bumped by every {@link #init}: Kafka Streams may close a task and initialise the same processor again (a revived
     * task after an aborted transaction); a call started before that must not deliver into the new life.
     */
    private final java.util.concurrent.atomic.AtomicInteger generation = new java.util.concurrent.atomic.AtomicInteger();

    JobExecutionProcessor(ExecutionDependencies deps) {
        this.deps = deps;
        this.outputs = new JobOutputs(this::traceOf);
        this.jobSpans = new OpenJobSpans(deps.tracing());
        this.startQueue = new StartQueue(deps.fairShare());
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        generation.incrementAndGet();
        completions.clear();
        startQueue.clear();
        jobSpans.endAll();
        rejectedTrace = null;
        closed = false;
        this.states = new JobStates(context.getStateStore(JobTopology.STATE_STORE), context.getStateStore(JobTopology.UNFINISHED_STORE));
        this.sweep = new ExpiredJobSweep(states, deps.dedupHorizon(), deps.dedupCleanupInterval(), SWEEP_SLICE, MAX_PURGE_PER_RUN,
                context.currentSystemTimeMs(), this::adoptOrphan);
        this.timers = context.getStateStore(JobTopology.RETRY_TIMERS_STORE);
        this.policies = context.getStateStore(JobTopology.POLICIES_STORE);
        this.spend = context.getStateStore(JobTopology.SPEND_STORE);
        this.cache = new ResponseCacheLookup(context.getStateStore(ResponseCacheStore.STORE));
        this.admissions = AdmissionPipeline.standard(deps.names(), deps.jobDeserializer(), deps.validator(),
                deps.unknownModelPolicy(), deps.prices(), model -> deps.router().route(model).isPresent(), deps.tenantPolicies(),
                (tenant, jobId) -> states.get(stateKey(tenant, jobId)),
                tenant -> policies.get(tenant.value()), tenant -> spend.get(tenant.value()));
        recoverPending();
        this.batches = new BatchLane(deps.batches(), deps.metrics(), context.getStateStore(JobTopology.BATCH_STORE), states,
                new BatchMembers(), context.taskId());
        batches.recover(context.currentSystemTimeMs());
        context.schedule(deps.completionPollInterval(), PunctuationType.WALL_CLOCK_TIME, now -> {
            drainCompletions();
            startQueued();
        });
        context.schedule(deps.retryPollInterval(), PunctuationType.WALL_CLOCK_TIME, now -> {
            releaseDueRetries(now);
            startQueued();
        });
        context.schedule(ExpiredJobSweep.TICK, PunctuationType.WALL_CLOCK_TIME, this::purgeExpired);
        // without batch endpoints too: batches kept from when there were, or for an endpoint since removed, are given up
        // (their jobs called on their own) by the lane's tick
        BatchRouting.Settings batching = deps.batches().settings();
        long tick = Math.max(50, Math.min(1_000, Math.min(batching.maxWait().toMillis(), batching.pollInterval().toMillis()) / 4));
        context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, now -> batches.tick(now));
    }

    /**
     * Rebuilds the start queue from the store: calls that were in flight first, then queued jobs in their order. Reads
     * them through the store's index of unfinished jobs ({@link JobStates}), not by a scan of every job remembered.
     */
    private void recoverPending() {
        long began = System.nanoTime();
        boolean scan = !states.indexComplete();
        List<JobExecutionState> unfinished = states.unfinished();
        deps.metrics().unfinishedJobsFound(Duration.ofNanos(System.nanoTime() - began), scan);
        int resumed = 0;
        for (JobExecutionState state : unfinished) {
            if (requeue(stateKey(TenantId.of(state.getTenantId()), state.getJobId()), state)) {
                resumed++;
            }
        }
        long tookMs = (System.nanoTime() - began) / 1_000_000;
        if (!unfinished.isEmpty() || tookMs >= 1_000) {
            log.info("Task {}: re-issuing {} call(s) that were in flight and {} queued job(s), found in {} ms{}", context.taskId(), resumed,
                    unfinished.size() - resumed, tookMs, scan ? " (a scan of every job, building the index of unfinished jobs)" : "");
        }
    }

    @Override
    public void process(Record<String, byte[]> record) {
        drainCompletions();
        startQueued();
        RecordMetadata origin = context.recordMetadata().orElseThrow();
        long now = context.currentSystemTimeMs();
        Admission admission = admissions.admit(new Arrival(origin.topic(), origin.partition(), record.key(), record.value(),
                header(record, JobHeaders.REPLAY_OF), now));
        Verdict verdict = admission.verdict();
        JobRequest job = admission.job();
        try (LogContext ignored = LogContext.job(admission.tenant() == null ? null : admission.tenant().value(),
                job == null ? null : job.getJobId(), null, job == null ? null : job.getTraceId())) {
            if (verdict instanceof Verdict.Reject reject) {
                // a job span of its own, ended at once: the dead letter and its event carry it
                Span rejected = deps.tracing().startJob(JobTracing.parentOf(record.headers()),
                        admission.tenant() == null ? "unknown" : admission.tenant().value(), job == null ? String.valueOf(record.key()) : job.getJobId(),
                        origin.topic(), origin.partition(), origin.offset(), now);
                JobTracing.endJob(rejected, "dead_lettered", 0, reject.failure().category().name(), now);
                forwardFailure(admission.tenant(), job, reject.failure(), record, origin, now, JobTracing.headers(rejected.getSpanContext()));
            } else if (verdict instanceof Verdict.Duplicate duplicate) {
                deps.metrics().deduplicated(admission.tenant().value());
                forwardEvent(job, JobEventType.DUPLICATE, duplicate.existing().getAttempt(), null,
                        "already " + duplicate.existing().getStatus() + (duplicate.replayIgnored() ? " (replay ignored)" : ""), now);
            } else {
                accept(admission.tenant(), job, verdict instanceof Verdict.Replay replay ? replay.failed() : null, record, origin, now);
            }
        }
    }

    /**
     * Starts an admitted job's call if the instance's fair share gives its tenant a free slot now, else queues the job
     * durably (QUEUED). A tenant with {@code backpressure.queued.jobs.per.tenant} jobs already queued in this task makes the stream thread
     * wait, up to {@code backpressure.max.block.ms}, for them to start.
     *
     * @param replayed the job's FAILED state when it is replayed, else null
     */
    private void accept(TenantId tenant, JobRequest job, JobExecutionState replayed, Record<String, byte[]> record,
                        RecordMetadata origin, long now) {
        String key = stateKey(tenant, job.getJobId());
        // A replay runs again, once; attempt numbers continue, so no Idempotency-Key of a failed call is sent again
        int replays = replayed == null ? 0 : replayed.getReplays() + 1;
        int attemptsBefore = replayed == null ? 0 : replayed.getAttempt();
        deps.metrics().received(tenant.value());
        deps.outputSchemas().seen(tenant);
        JobExecutionState state = JobExecutionState.newBuilder()
                .setStatus(ExecutionStatus.QUEUED)
                .setJobId(job.getJobId())
                .setTenantId(tenant.value())
                .setAttempt(attemptsBefore)
                .setAttemptOffset(attemptsBefore)
                .setReceivedAt(now)
                .setUpdatedAt(now)
                .setRequestBytes(ByteBuffer.wrap(record.value()))
                .setOriginTopic(origin.topic())
                .setOriginPartition(origin.partition())
                .setOriginOffset(origin.offset())
                .setReplays(replays)
                .build();
        io.opentelemetry.context.Context parent = JobTracing.parentOf(record.headers());
        if (replayed != null && !Span.fromContext(parent).getSpanContext().isValid()) {
            // a replay without trace context of its own continues the trace of the job it runs again
            parent = io.opentelemetry.context.Context.root().with(Span.wrap(JobTracing.stored(replayed.getTraceParent(), replayed.getTraceState())));
        }
        Span span = deps.tracing().startJob(parent, tenant.value(), job.getJobId(), origin.topic(), origin.partition(), origin.offset(), now);
        jobSpans.opened(key, span);
        java.util.Map<String, String> trace = JobTracing.headers(span.getSpanContext());
        state.setTraceParent(trace.get(JobHeaders.TRACEPARENT));
        state.setTraceState(trace.get(JobHeaders.TRACESTATE));
        // the policy is read once for the arriving job: its cache, then its share of the slots
        TenantPolicy policy = policies.get(tenant.value());
        if (answeredFromCache(key, state, job, policy, now)) {
            return;
        }
        if (batches.eligible(job, policy, now)) {
            // the batch's attempt: its custom_id, like a call's Idempotency-Key, is fixed from here on
            state.setStatus(ExecutionStatus.BATCHED);
            state.setAttempt(attemptsBefore + 1);
            state.setBatchKey(batches.add(tenant.value(), job, key, record.value().length, origin.partition(), origin.offset(), now));
            states.put(key, state);
            forwardEvent(job, JobEventType.RECEIVED, attemptsBefore, null, "batched" + (replays > 0 ? " (replay)" : ""), now);
            return;
        }
        sharePolicy(tenant.value(), policy);
        state.setQueueSequence(nextSequence++);
        arrivingKey = key;
        arrivingState = state;
        arrivingJob = job;
        arrivingStarted = false;
        try {
            startQueue.add(tenant.value(), key, priorityOf(job), false);
            startQueued();
        } finally {
            arrivingKey = null;
            arrivingState = null;
            arrivingJob = null;
        }
        if (!arrivingStarted) {
            // STARTED says "received and started"; RECEIVED is written only for a job that has to wait
            forwardEvent(job, JobEventType.RECEIVED, attemptsBefore, null, replays > 0 ? "queued (replay)" : "queued", now);
            states.put(key, state);
            deps.metrics().queued(tenant.value());
            awaitTenantBacklogBelowBound(tenant.value());
        }
    }

    /**
     * While this task holds {@code backpressure.queued.jobs.per.tenant} or more of the tenant's jobs, waits at most
     * {@code backpressure.max.block.ms} for some of them to start, collecting completions meanwhile: a tenant far ahead
     * of what its share of the slots can run slows its own intake instead of filling the store without bound.
     */
    private void awaitTenantBacklogBelowBound(String tenant) {
        if (startQueue.size(tenant) < deps.queuedJobsPerTenant()) {
            return;
        }
        long deadline = System.nanoTime() + deps.backpressureMaxBlock().toNanos();
        while (startQueue.size(tenant) >= deps.queuedJobsPerTenant() && System.nanoTime() < deadline) {
            if (deps.limiter().tryAcquire(WAIT_SLICE)) {
                deps.limiter().release();
            }
            drainCompletions();
            // the other tasks of this thread cannot take a slot while it waits here: do not leave one free for them
            startQueued(false);
        }
    }

    /** Updates the instance's fair share with the tenant's weight and cap from its policy (defaults without one). */
    private void sharePolicy(String tenant) {
        sharePolicy(tenant, policies.get(tenant));
    }

    private void sharePolicy(String tenant, TenantPolicy policy) {
        deps.fairShare().policy(tenant, policy == null ? 1.0 : policy.getWeight(), policy == null ? null : policy.getMaxConcurrentCalls());
    }

    private static io.aijobs.schema.JobPriority priorityOf(JobRequest job) {
        return job.getPriority() == null ? io.aijobs.schema.JobPriority.INTERACTIVE : job.getPriority();
    }

    /** The priority of a stored job: its request says; a request that cannot be decoded now counts as INTERACTIVE. */
    private io.aijobs.schema.JobPriority priorityOf(JobExecutionState state) {
        if (state.getRequestBytes() == null) {
            return io.aijobs.schema.JobPriority.INTERACTIVE;
        }
        try {
            return priorityOf(deps.jobDeserializer().deserialize(state.getOriginTopic(), bytes(state.getRequestBytes())));
        } catch (SerializationException e) {
            return io.aijobs.schema.JobPriority.INTERACTIVE;
        }
    }

    /** Starts queued jobs (and calls to re-issue) while call slots are free, in the order the fair share gives. */
    private void startQueued() {
        startQueued(true);
    }

    /** As {@link #startQueued()}; {@code deferToOtherTasks}: as in {@link FairShare#choose(java.util.Map, boolean)}. */
    private void startQueued(boolean deferToOtherTasks) {
        while (!startQueue.isEmpty() && deps.limiter().tryAcquire()) {
            StartQueue.Entry entry = startQueue.next(deferToOtherTasks);
            if (entry == null) {
                deps.limiter().release();
                return;
            }
            String key = entry.key();
            boolean arriving = key.equals(arrivingKey);
            JobExecutionState state = arriving ? arrivingState : states.get(key);
            if (state == null || !(state.getStatus() == ExecutionStatus.QUEUED || state.getStatus() == ExecutionStatus.IN_FLIGHT)) {
                deps.limiter().release();
                deps.fairShare().stoppedWaiting(entry.tenant(), entry.priority());
                continue;
            }
            JobRequest job;
            try {
                job = arriving ? arrivingJob : deps.jobDeserializer().deserialize(state.getOriginTopic(), bytes(state.getRequestBytes()));
            } catch (SerializationException e) {
                // It decoded when it arrived: the registry is unreachable. Keep the job and try again later.
                deps.limiter().release();
                startQueue.putBack(entry);
                log.warn("Could not decode stored job {} of tenant {} to start it; will retry: {}", state.getJobId(),
                        state.getTenantId(), e.getMessage());
                return;
            }
            // re-issued calls keep their attempt (and Idempotency-Key); queued jobs and due retries take the next one
            int attempt = state.getStatus() == ExecutionStatus.IN_FLIGHT ? state.getAttempt() : state.getAttempt() + 1;
            long now = context.currentSystemTimeMs();
            try (LogContext ignored = LogContext.job(state.getTenantId(), state.getJobId(), attempt, job.getTraceId())) {
                if (job.getDeadline() != null && !job.getDeadline().isAfter(Instant.ofEpochMilli(now))) {
                    // admission checked the deadline; it can pass while the job waits for a slot or for its retry
                    deps.limiter().release();
                    deps.fairShare().stoppedWaiting(entry.tenant(), entry.priority());
                    String why = "deadline " + job.getDeadline() + " passed while the job waited "
                            + (state.getLastErrorType() != null ? "to retry" : "for a call slot");
                    Failure last = new Failure(FailureCategory.EXPIRED, state.getLastErrorType() != null ? state.getLastErrorType()
                            : "deadline_passed", null, why + (state.getLastErrorMessage() != null ? "; last error: "
                            + state.getLastErrorMessage() : ""), null, java.util.Optional.empty());
                    deadLetter(key, state, job, last, now);
                    continue;
                }
                Failure overBudget = state.getStatus() == ExecutionStatus.QUEUED && state.getAttempt() == state.getAttemptOffset()
                        ? io.aijobs.processor.admission.BudgetCheck.refusal(TenantId.of(state.getTenantId()),
                                spend.get(state.getTenantId()), now) : null;
                if (overBudget != null) {
                    // admitted before its tenant reached the hard limit, and still waiting: it makes no call after it
                    deps.limiter().release();
                    deps.fairShare().stoppedWaiting(entry.tenant(), entry.priority());
                    deadLetter(key, state, job, overBudget, now);
                    continue;
                }
                // an identical job may have been answered while this one waited (it was looked up when it arrived)
                if (!arriving && state.getStatus() == ExecutionStatus.QUEUED && answeredFromCache(key, state, job, policies.get(state.getTenantId()), now)) {
                    deps.limiter().release();
                    deps.fairShare().stoppedWaiting(entry.tenant(), entry.priority());
                    continue;
                }
                deps.fairShare().started(entry.tenant(), entry.priority());
                if (arriving) {
                    arrivingStarted = true;
                }
                start(key, state, job, attempt);
            }
        }
    }

    /**
     * Answers the job from its tenant's response cache, with no call, when the tenant's policy keeps one, the job may
     * use it ({@link ResponseCacheKey#of}) and an answer younger than the policy's TTL is there: its result (cached,
     * cost 0, the saving at today's prices), a CACHE_HIT usage record, COMPLETED, and the state COMPLETED, in this task's
     * transaction. False, and nothing written, otherwise.
     */
    private boolean answeredFromCache(String key, JobExecutionState state, JobRequest job, TenantPolicy policy, long now) {
        java.util.Optional<String> cacheKey = ResponseCacheKey.of(policy, job);
        if (cacheKey.isEmpty()) {
            return false;
        }
        java.util.Optional<ResponseCacheEntry> answer = cache.answer(policy, cacheKey.get(), now);
        deps.metrics().responseCache(state.getTenantId(), answer.isPresent());
        if (answer.isEmpty()) {
            return false;
        }
        ResponseCacheEntry entry = answer.get();
        PricedCall saved = deps.prices().charge(job.getModel(), Instant.ofEpochMilli(now), entry.getInputTokens(),
                entry.getCachedInputTokens(), entry.getOutputTokens());
        context.forward(new Record<>(job.getJobId(), (Object) outputs.cachedResult(job, entry, saved, state.getAttempt(), now), now,
                outputs.headers(job, state.getAttempt(), null)), JobTopology.RESULTS_SINK);
        context.forward(new Record<>(job.getTenantId(), (Object) outputs.cacheHitUsage(job, saved, now), now,
                outputs.headers(job, state.getAttempt(), null)), JobTopology.USAGE_SINK);
        forwardEvent(job, JobEventType.COMPLETED, state.getAttempt(), null, "answered from the response cache", now);
        jobSpans.end(key, state, "cached", state.getAttempt(), null, now);
        deps.metrics().completed(state.getTenantId(), Duration.ofMillis(Math.max(0, now - job.getSubmittedAt().toEpochMilli())));
        log.debug("Answered from the response cache with the answer of job {}", entry.getSourceJobId());
        state.setStatus(ExecutionStatus.COMPLETED);
        if (state.getStartedAt() == null) {
            state.setStartedAt(now);
        }
        state.setCompletedAt(now);
        state.setRequestBytes(null);
        state.setUpdatedAt(now);
        states.put(key, state);
        return true;
    }

    /** Marks the job IN_FLIGHT and starts its call. The caller holds a permit, which the call's end gives back. */
    private void start(String key, JobExecutionState state, JobRequest job, int attempt) {
        long now = context.currentSystemTimeMs();
        Span jobSpan = jobSpans.of(key, state, now);
        boolean reissued = state.getStatus() == ExecutionStatus.IN_FLIGHT;
        if (state.getStatus() == ExecutionStatus.QUEUED && !key.equals(arrivingKey)) {
            deps.tracing().recordWait(jobSpan, JobTracing.QUEUE_WAIT_SPAN, state.getUpdatedAt(), now,
                    io.opentelemetry.api.common.Attributes.of(JobTracing.ATTEMPT, (long) attempt));
        }
        Span call = deps.tracing().startCall(jobSpan, job, attempt, reissued
                ? java.util.Optional.of(JobTracing.storedCall(JobTracing.stored(state.getTraceParent(), state.getTraceState()), state.getCallSpanId()))
                : java.util.Optional.empty(), now);
        state.setCallSpanId(call.getSpanContext().getSpanId());
        state.setStatus(ExecutionStatus.IN_FLIGHT);
        state.setAttempt(attempt);
        if (state.getStartedAt() == null) {
            state.setStartedAt(now);
        }
        state.setUpdatedAt(now);
        // In flight sorts before every queued job when a new owner rebuilds the start queue
        state.setQueueSequence(-1L);
        states.put(key, state);
        forwardEvent(job, JobEventType.STARTED, attempt, null, null, now);
        long sentAt = now;
        int life = generation.get();
        String tenant = state.getTenantId();
        int position = state.getRoutePosition();
        deps.router().call(job, job.getJobId() + "-" + attempt, position, JobTracing.headers(call.getSpanContext())).whenComplete((routed, error) -> {
            deps.fairShare().ended(tenant);
            deps.limiter().release();
            ModelRouter.Routed result = routed != null ? routed
                    : new ModelRouter.Routed("", position, new ModelOutcome.ConnectionError(String.valueOf(error), Duration.ZERO));
            if (!closed && generation.get() == life) {
                completions.add(new Completion(key, attempt, job, result.outcome(), sentAt, result.endpoint(), result.position(), null,
                        call.getSpanContext()));
            }
            // the call's span ends with the call, whatever became of its task, on the clock its start was read from
            try {
                JobTracing.endCall(call, result.outcome(), result.endpoint(), result.outcome() instanceof ModelOutcome.Success ? null
                        : FailureClassifier.of(result.outcome()).errorType(), sentAt + result.outcome().latency().toMillis());
            } catch (RuntimeException e) {
                log.warn("Could not end the span of a call: {}", e.toString());
            }
        });
    }

    private void drainCompletions() {
        Completion completion;
        while ((completion = completions.poll()) != null) {
            finish(completion);
        }
    }

    private void finish(Completion completion) {
        try (LogContext ignored = LogContext.job(completion.job().getTenantId(), completion.job().getJobId(), completion.attempt(),
                completion.job().getTraceId())) {
            finishInContext(completion);
        }
    }

    private void finishInContext(Completion completion) {
        JobExecutionState state = states.get(completion.stateKey());
        boolean batched = completion.batchId() != null;
        if (state == null || state.getStatus() != (batched ? ExecutionStatus.BATCHED : ExecutionStatus.IN_FLIGHT)
                || state.getAttempt() != completion.attempt()) {
            deps.metrics().staleCompletion();
            return;
        }
        state.setBatchKey(null);
        long now = context.currentSystemTimeMs();
        JobRequest job = completion.job();
        ModelOutcome outcome = completion.outcome();
        String tenant = state.getTenantId();
        CallTokens tokens = CallTokens.of(outcome);
        PricedCall priced = batched
                ? deps.prices().chargeBatch(job.getModel(), Instant.ofEpochMilli(now), tokens.input(), tokens.cached(), tokens.output())
                : deps.prices().charge(job.getModel(), Instant.ofEpochMilli(now), tokens.input(), tokens.cached(), tokens.output());
        forwardUsage(job, completion, outcome, tokens, priced, outcome instanceof ModelOutcome.Success, now);
        if (outcome instanceof ModelOutcome.Success success) {
            var cost = priced.cost();
            if (!cost.getPriced()) {
                deps.metrics().unpriced(job.getModel());
            }
            if (unprovisioned(tenant)) {
                // deleted while its call was open: its topics are going away; usage and events still record the call
                log.warn("Tenant {} has no policy any more (deleted): the result of job {} is not written", tenant, job.getJobId());
            } else {
                context.forward(new Record<>(job.getJobId(), (Object) outputs.result(job, success, cost, state, now), now,
                        outputs.headers(job, completion.attempt(), null)), JobTopology.RESULTS_SINK);
                ResponseCacheKey.of(policies.get(tenant), job).ifPresent(cacheKey -> {
                    ResponseCacheEntry entry = outputs.cacheEntry(cacheKey, job, success, now);
                    context.forward(new Record<>(cacheKey, (Object) entry, now), JobTopology.RESPONSE_CACHE_SINK);
                    cache.written(cacheKey, entry);
                });
            }
            forwardEvent(job, JobEventType.COMPLETED, completion.attempt(), null, null, now);
            jobSpans.end(completion.stateKey(), state, "completed", completion.attempt(), null, now);
            if (!batched) {
                // a batch's answer has no call latency of its own (the batch's is in its usage record)
                deps.metrics().modelCall(job.getModel(), completion.endpoint(), outcome.latency(), null, success.inputTokens(), success.outputTokens());
            }
            deps.metrics().completed(tenant, Duration.ofMillis(Math.max(0, now - job.getSubmittedAt().toEpochMilli())));
            log.debug("Completed by attempt {} in {} ms: {} input and {} output tokens", completion.attempt(), outcome.latency().toMillis(),
                    success.inputTokens(), success.outputTokens());
            state.setStatus(ExecutionStatus.COMPLETED);
            state.setCompletedAt(now);
        } else {
            Failure failure = FailureClassifier.of(outcome);
            if (!batched) {
                deps.metrics().modelCall(job.getModel(), completion.endpoint(), outcome.latency(), failure.errorType(), tokens.input(), tokens.output());
            }
            // the policy counts the attempts since the job was (re)admitted
            FailurePolicies.Decision decision = deps.failurePolicies().decide(failure, completion.attempt() - state.getAttemptOffset(),
                    now, job.getDeadline());
            if (decision instanceof FailurePolicies.Retry retry) {
                boolean fallback = !batched && (failure.category() == FailureCategory.TRANSIENT || failure.category() == FailureCategory.RATE_LIMITED)
                        && completion.position() + 1 < deps.router().routeLength(job.getModel());
                // the next endpoint of the route is tried at once; after the last, the route starts over after the backoff
                state.setRoutePosition(fallback ? completion.position() + 1 : 0);
                scheduleRetry(completion.stateKey(), state, job, failure,
                        fallback ? new FailurePolicies.Retry(now, 0, retry.policy()) : retry, now,
                        fallback ? "; falls back from endpoint " + completion.endpoint() + " to the next of its route" : "");
            } else {
                deadLetter(completion.stateKey(), state, job, ((FailurePolicies.DeadLetter) decision).failure(), now);
            }
            return;
        }
        state.setRequestBytes(null);
        state.setUpdatedAt(now);
        states.put(completion.stateKey(), state);
    }

    /**
     * Parks the job until its retry is due: RETRY_WAIT in the state (with the request bytes), a timer, a retry record
     * on its tier's topic and a RETRY_SCHEDULED event, all in the transaction that also writes the failed call's
     * usage. The call slot is free meanwhile.
     */
    private void scheduleRetry(String key, JobExecutionState state, JobRequest job, Failure failure, FailurePolicies.Retry retry,
                               long now, String note) {
        if (state.getFirstFailureAt() == null) {
            state.setFirstFailureAt(now);
        }
        state.setStatus(ExecutionStatus.RETRY_WAIT);
        state.setDueAt(retry.dueAt());
        state.setFailureCategory(failure.category().name());
        state.setLastErrorType(failure.errorType());
        state.setLastErrorMessage(failure.message());
        state.setUpdatedAt(now);
        states.put(key, state);
        timers.put(timerKey(retry.dueAt(), key), key);
        context.forward(new Record<>(job.getJobId(), (Object) outputs.retry(job, state, failure, retry, now), now,
                outputs.failureHeaders(job, state, failure, retry.dueAt(), state.getFirstFailureAt())), JobTopology.RETRY_SINK);
        forwardEvent(job, JobEventType.RETRY_SCHEDULED, state.getAttempt(), failure.category(),
                failure.errorType() + "; attempt " + (state.getAttempt() + 1) + " of " + retry.policy().maxAttempts() + " due "
                        + Instant.ofEpochMilli(retry.dueAt()) + note, now);
        deps.metrics().retryScheduled(state.getTenantId(), failure.category().name());
        log.debug("Attempt {} failed ({} {}{}): attempt {} of {} due {}", state.getAttempt(), failure.category(), failure.errorType(),
                failure.httpStatus() == null ? "" : ", HTTP " + failure.httpStatus(), state.getAttempt() + 1, retry.policy().maxAttempts(),
                Instant.ofEpochMilli(retry.dueAt()));
    }

    /** Ends the job as FAILED: a dead-letter record with the original bytes, a DEAD_LETTERED event. */
    private void deadLetter(String key, JobExecutionState state, JobRequest job, Failure failure, long now) {
        if (state.getFirstFailureAt() == null) {
            state.setFirstFailureAt(now);
        }
        org.apache.kafka.common.header.Headers headers = outputs.failureHeaders(job, state, failure, null, state.getFirstFailureAt());
        context.forward(new Record<>(job.getJobId(), (Object) withheldIfPolicySays(state.getTenantId(),
                outputs.failure(job, state, failure, now), headers), now, headers), deadLetterSink(state.getTenantId()));
        forwardEvent(job, JobEventType.DEAD_LETTERED, state.getAttempt(), failure.category(), failure.errorType(), now);
        jobSpans.end(key, state, "dead_lettered", state.getAttempt(), failure.category().name(), now);
        deps.metrics().failed(state.getTenantId(), failure.category().name());
        log.warn("Dead-lettered after attempt {}: {} ({}{})", state.getAttempt(), failure.category(), failure.errorType(),
                failure.httpStatus() == null ? "" : ", HTTP " + failure.httpStatus());
        state.setStatus(ExecutionStatus.FAILED);
        state.setFailureCategory(failure.category().name());
        state.setLastErrorType(failure.errorType());
        state.setLastErrorMessage(failure.message());
        state.setDueAt(null);
        state.setCompletedAt(now);
        state.setRequestBytes(null);
        state.setUpdatedAt(now);
        states.put(key, state);
    }

    /** Moves retries whose time has come to the start queue, in due order, a bounded number per run. */
    private void releaseDueRetries(long wallClockMs) {
        List<KeyValue<String, String>> due = new ArrayList<>();
        String end = timerKey(wallClockMs, "\uffff");
        try (KeyValueIterator<String, String> iterator = timers.range(null, end)) {
            while (iterator.hasNext() && due.size() < MAX_RELEASE_PER_RUN) {
                due.add(iterator.next());
            }
        }
        for (KeyValue<String, String> timer : due) {
            timers.delete(timer.key);
            JobExecutionState state = states.get(timer.value);
            if (state == null || state.getStatus() != ExecutionStatus.RETRY_WAIT) {
                continue;
            }
            deps.tracing().recordWait(jobSpans.of(timer.value, state, wallClockMs), JobTracing.RETRY_WAIT_SPAN, state.getUpdatedAt(), wallClockMs,
                    io.opentelemetry.api.common.Attributes.of(JobTracing.WAIT_REASON, String.valueOf(state.getLastErrorType()),
                            JobTracing.CATEGORY, String.valueOf(state.getFailureCategory()), JobTracing.ATTEMPT, (long) state.getAttempt() + 1));
            state.setStatus(ExecutionStatus.QUEUED);
            state.setDueAt(null);
            state.setQueueSequence(nextSequence++);
            state.setUpdatedAt(wallClockMs);
            states.put(timer.value, state);
            sharePolicy(state.getTenantId());
            startQueue.add(state.getTenantId(), timer.value, priorityOf(state), false);
        }
    }

    /** {@code <dueAt as 19 digits>/<state key>}: string order is due order. */
    static String timerKey(long dueAt, String stateKey) {
        return String.format("%019d/%s", dueAt, stateKey);
    }

    private static String header(Record<String, byte[]> record, String name) {
        org.apache.kafka.common.header.Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), java.nio.charset.StandardCharsets.UTF_8);
    }

    private void forwardUsage(JobRequest job, Completion completion, ModelOutcome outcome, CallTokens tokens, PricedCall priced,
                              boolean isFinal, long now) {
        context.forward(new Record<>(job.getTenantId(), (Object) outputs.usage(job, completion.attempt(), outcome, tokens, priced,
                isFinal, completion.startedAt(), completion.endpoint(), completion.batchId(), now), now,
                JobOutputs.withTrace(outputs.headers(job, completion.attempt(), null), completion.call() == null ? java.util.Map.of()
                        : JobTracing.headers(completion.call()))),
                JobTopology.USAGE_SINK);
    }

    private void forwardEvent(JobRequest job, JobEventType type, int attempt, FailureCategory category, String detail, long now) {
        context.forward(new Record<>(job.getJobId(), (Object) outputs.event(job, type, attempt, category, detail, now), now,
                outputs.headers(job, attempt, category)), JobTopology.EVENTS_SINK);
    }

    private void forwardFailure(TenantId tenant, JobRequest job, Failure failure, Record<String, byte[]> record, RecordMetadata origin,
                                long now, java.util.Map<String, String> trace) {
        log.warn("Dead-lettering a record from {}-{}@{}: {} ({})", origin.topic(), origin.partition(), origin.offset(),
                failure.category(), failure.errorType());
        deps.metrics().failed(tenant == null ? "unknown" : tenant.value(), failure.category().name());
        org.apache.kafka.common.header.Headers headers = JobOutputs.withTrace(outputs.rejectionHeaders(tenant, job, failure, origin, now), trace);
        rejectedTrace = trace;
        try {
            JobFailure rejected = outputs.rejection(tenant, job, failure, origin, record.key(), record.value(), now);
            context.forward(new Record<>(job != null ? job.getJobId() : record.key(),
                    (Object) withheldIfPolicySays(tenant == null ? null : tenant.value(), rejected, headers), now, headers),
                    deadLetterSink(tenant == null ? null : tenant.value()));
            if (job != null && tenant != null && tenant.value().equals(job.getTenantId())) {
                forwardEvent(job, JobEventType.DEAD_LETTERED, 0, failure.category(), failure.errorType(), now);
            }
        } finally {
            rejectedTrace = null;
        }
    }

    /**
     * A tenant that must have a policy record and has none: never provisioned, or deleted (its topics and the
     * processor's ACLs on them are going away, and writing there would stop the stream thread).
     */
    private boolean unprovisioned(String tenantId) {
        return tenantId != null && deps.tenantPolicies().policyRequired() && policies.get(tenantId) == null;
    }

    /** The tenant's dead-letter topic, or the platform's for an unprovisioned tenant: nothing is dropped. */
    private String deadLetterSink(String tenantId) {
        return unprovisioned(tenantId) ? JobTopology.PLATFORM_DLT_SINK : JobTopology.DLT_SINK;
    }

    /**
     * A dead letter of a tenant whose policy (or the processor's default) keeps content out of dead letters: the
     * original value is replaced by its SHA-256 in a header. Records whose tenant is unknown keep their bytes (they
     * go to the platform's dead-letter topic, which no tenant can read).
     */
    private JobFailure withheldIfPolicySays(String tenantId, JobFailure failure, org.apache.kafka.common.header.Headers headers) {
        if (tenantId == null || failure.getOriginalValue() == null
                || !deps.tenantPolicies().hashDeadLetters(policies.get(tenantId))) {
            return failure;
        }
        ByteBuffer value = failure.getOriginalValue().duplicate();
        byte[] bytes = new byte[value.remaining()];
        value.get(bytes);
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
            headers.add(io.aijobs.contracts.JobHeaders.CONTENT_SHA256,
                    java.util.HexFormat.of().formatHex(digest).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
        failure.setOriginalValue(null);
        return failure;
    }

    /**
     * Starts or re-issues an unfinished job the sweep found missing from the index: an instance of a version before
     * the index queued or started it on this task (a rolling upgrade), so this task's start did not find it.
     */
    private void adoptOrphan(String key, JobExecutionState state) {
        boolean inFlight = state.getStatus() == ExecutionStatus.IN_FLIGHT;
        log.warn("Task {}: found {} job {} of tenant {} outside the index of unfinished jobs (written by an older version); {} it",
                context.taskId(), state.getStatus(), state.getJobId(), state.getTenantId(), inFlight ? "re-issuing" : "starting");
        requeue(key, state);
    }

    /**
     * Puts an unfinished job found in the store back in the start queue, in flight (to re-issue) or queued, keeping
     * its place in the order; true if it was in flight.
     */
    private boolean requeue(String key, JobExecutionState state) {
        boolean inFlight = state.getStatus() == ExecutionStatus.IN_FLIGHT;
        sharePolicy(state.getTenantId());
        startQueue.add(state.getTenantId(), key, priorityOf(state), inFlight);
        nextSequence = Math.max(nextSequence, state.getQueueSequence() + 1);
        return inFlight;
    }

    /** Goes on with the sweep of finished jobs older than the dedup horizon ({@link ExpiredJobSweep}). */
    private void purgeExpired(long wallClockMs) {
        int forgotten = sweep.tick(wallClockMs);
        if (forgotten > 0) {
            log.info("Task {}: forgot {} job(s) finished before the dedup horizon", context.taskId(), forgotten);
        }
    }

    /** What the task's {@link BatchLane} asks of it: decoding stored jobs, and the records a member's end writes. */
    private final class BatchMembers implements BatchLane.Members {

        @Override
        public java.util.Optional<JobRequest> decode(JobExecutionState state) {
            try {
                return java.util.Optional.of(deps.jobDeserializer().deserialize(state.getOriginTopic(), bytes(state.getRequestBytes())));
            } catch (SerializationException e) {
                log.warn("Could not decode stored job {} of tenant {} for its batch; will retry: {}", state.getJobId(), state.getTenantId(),
                        e.getMessage());
                return java.util.Optional.empty();
            }
        }

        @Override
        public void started(String key, JobExecutionState state, JobRequest job, String batchId, long now) {
            if (state.getStartedAt() == null) {
                state.setStartedAt(now);
            }
            state.setUpdatedAt(now);
            states.put(key, state);
            forwardEvent(job, JobEventType.STARTED, state.getAttempt(), null, "in batch " + batchId, now);
        }

        @Override
        public void answered(String key, JobExecutionState state, JobRequest job, ModelOutcome outcome,
                             io.aijobs.schema.state.BatchState batch, long now) {
            long submittedAt = batch.getSubmittedAt() == null ? now : batch.getSubmittedAt();
            // the batch's part of the job: a call span from the batch's submission to its answer
            Span call = deps.tracing().startCall(jobSpans.of(key, state, now), job, state.getAttempt(), java.util.Optional.empty(), submittedAt);
            call.setAttribute(JobTracing.BATCH_ID, batch.getBatchId());
            JobTracing.endCall(call, outcome, batch.getEndpoint(), outcome instanceof ModelOutcome.Success ? null
                    : FailureClassifier.of(outcome).errorType(), now);
            finish(new Completion(key, state.getAttempt(), job, outcome, submittedAt, batch.getEndpoint(), 0, batch.getBatchId(),
                    call.getSpanContext()));
        }

        @Override
        public void unanswered(String key, JobExecutionState state, JobRequest job, Failure failure, long now) {
            try (LogContext ignored = LogContext.job(state.getTenantId(), state.getJobId(), state.getAttempt(), job.getTraceId())) {
                state.setBatchKey(null);
                state.setRoutePosition(0);
                FailurePolicies.Decision decision = deps.failurePolicies().decide(failure, state.getAttempt() - state.getAttemptOffset(),
                        now, job.getDeadline());
                if (decision instanceof FailurePolicies.Retry retry) {
                    scheduleRetry(key, state, job, failure, retry, now, "; called on its own");
                } else {
                    deadLetter(key, state, job, ((FailurePolicies.DeadLetter) decision).failure(), now);
                }
            }
        }
    }

    /** Tenant-scoped: no tenant can ever hit another tenant's entry, whatever jobIds they choose. */
    static String stateKey(TenantId tenant, String jobId) {
        return tenant.value() + "/" + jobId;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }

    /** Drops this task's queue; calls still open finish on their own and only give back their permits. */
    @Override
    public void close() {
        closed = true;
        completions.clear();
        startQueue.clear();
        jobSpans.endAll();
    }

    /**
     * The trace context records about {@code job} carry: its open span's, else its stored one (a job whose span ended, or
     * that another life of the task received); a rejected record's own while it is dead-lettered.
     */
    private java.util.Map<String, String> traceOf(JobRequest job) {
        if (rejectedTrace != null) {
            return rejectedTrace;
        }
        String key = job.getTenantId() + "/" + job.getJobId();
        Span span = jobSpans.open(key);
        if (span != null) {
            return JobTracing.headers(span.getSpanContext());
        }
        JobExecutionState state = states.get(key);
        return state == null ? java.util.Map.of() : JobTracing.headers(JobTracing.stored(state.getTraceParent(), state.getTraceState()));
    }

    /** For tests: jobs waiting for a call slot in this task. */
    int queuedForStart() {
        return startQueue.size();
    }
}
