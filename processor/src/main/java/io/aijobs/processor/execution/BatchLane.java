package io.aijobs.processor.execution;

import io.aijobs.model.ModelOutcome;
import io.aijobs.model.OpenAiBatchClient;
import io.aijobs.processor.failure.Failure;
import io.aijobs.processor.metrics.ProcessorMetrics;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.state.BatchState;
import io.aijobs.schema.state.BatchStatus;
import io.aijobs.schema.state.ExecutionStatus;
import io.aijobs.schema.state.JobExecutionState;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task's batches: jobs answered through a provider's batch interface, exactly once.
 *
 * <p>How: a job that goes through a batch is written BATCHED, with its batch's key, and the batch (in the batch-state
 * store) lists it, in the same transaction as the job's input offset. A batch takes a tenant's jobs of one model until
 * it holds {@code batch.max.jobs} or its first job has waited {@code batch.max.wait.ms}; it is then SUBMITTING and, one
 * batch of the task at a time, in the order they were opened, submitted off the stream thread: the provider is first
 * asked for a batch tagged with the batch's key ({@link BatchRouting#METADATA_KEY}), which it has when a crash or a
 * lost answer came between its creation and the record of it; only when it has none is the file uploaded and the batch
 * created. Such a batch found again is taken as it is: its {@code custom_id}s decide its members, so a job that went
 * into it before a crash and into a later batch after the replay is answered by the first and left out of the second.
 * A SUBMITTED batch is followed every {@code batch.poll.interval.ms}; when it ends, each answer completes its member
 * as a per-job answer would (at the batch price); an answer for a {@code custom_id} the batch does not have is counted
 * and ignored; a member without an answer (the batch expired, failed, or left it out) goes to per-job execution
 * under the retry policy.
 *
 * <p>Threading: everything but the queue of operation outcomes is the task's stream thread's.
 */
final class BatchLane {

    private static final Logger log = LoggerFactory.getLogger(BatchLane.class);

    /** What the lane asks of the task's processor: the job states and the records a member's end writes. */
    interface Members {
        /** The job of a stored state, or empty when it cannot be decoded now (the registry is unreachable). */
        Optional<JobRequest> decode(JobExecutionState state);

        /** The batch was created: the member's STARTED. */
        void started(String key, JobExecutionState state, JobRequest job, String batchId, long now);

        /** The batch answered the member: its end, as a call's would be. */
        void answered(String key, JobExecutionState state, JobRequest job, ModelOutcome outcome, BatchState batch, long now);

        /** The batch ended without answering the member: a failed attempt under the retry policy. */
        void unanswered(String key, JobExecutionState state, JobRequest job, Failure failure, long now);
    }

    /** Most bytes of member keys in one batch: keeps its record far below a changelog record's 1 MiB limit. */
    static final int MAX_MEMBER_KEY_BYTES = 256 * 1024;

    private final BatchRouting routing;
    private final ProcessorMetrics metrics;
    private final KeyValueStore<String, BatchState> batches;
    private final JobStates states;
    private final Members members;
    private final TaskId task;
    private final Queue<BatchRouting.Outcome> outcomes = new ConcurrentLinkedQueue<>();
    /** The OPEN batch of each {@code <tenant>/<model>}, kept here so that a job joining it does not read it back. */
    private final Map<String, BatchState> open = new HashMap<>();
    /** Per OPEN batch: the bytes of its members' requests and of their keys, for the size bounds. */
    private final Map<String, long[]> openBytes = new HashMap<>();
    private final Map<String, Long> nextPollAt = new HashMap<>();
    /** When this lane saw each batch closed (SUBMITTING), or took it up so: it is submitted only once that is committed. */
    private final Map<String, Long> closedAt = new HashMap<>();
    /** SUBMITTING batches whose closing a commit has taken in: only these are submitted. */
    private final java.util.Set<String> committed = new java.util.HashSet<>();
    /** The batch whose operation is under way, or null: one at a time per task. */
    private String operating;
    private boolean pollFirst;
    private long nextSubmitAt;
    private long nextSequence;

    BatchLane(BatchRouting routing, ProcessorMetrics metrics, KeyValueStore<String, BatchState> batches,
              JobStates states, Members members, TaskId task) {
        this.routing = routing;
        this.metrics = metrics;
        this.batches = batches;
        this.states = states;
        this.members = members;
        this.task = task;
    }

    /**
     * Takes up the task's batches from the store: OPEN ones take jobs again, SUBMITTED ones are followed, and SUBMITTING
     * ones are submitted once {@link BatchRouting.Settings#takeoverDelay()} has passed: an operation of the task's
     * previous owner (another instance, or this one before the task was reinitialised) may still be creating the batch,
     * and is over by then, so that the provider shows it.
     */
    void recover(long now) {
        int count = 0;
        try (KeyValueIterator<String, BatchState> all = batches.all()) {
            while (all.hasNext()) {
                BatchState batch = all.next().value;
                count++;
                nextSequence = Math.max(nextSequence, batch.getSequence() + 1);
                if (batch.getStatus() == BatchStatus.OPEN) {
                    open.put(batch.getTenantId() + "/" + batch.getModel(), batch);
                    long[] bytes = new long[2];
                    for (String key : batch.getMembers()) {
                        JobExecutionState state = member(batch, key);
                        bytes[0] += state == null || state.getRequestBytes() == null ? 0 : state.getRequestBytes().remaining();
                        bytes[1] += key.length() + 4L;
                    }
                    openBytes.put(batch.getKey(), bytes);
                } else if (batch.getStatus() == BatchStatus.SUBMITTING) {
                    committed.add(batch.getKey());
                    nextSubmitAt = now + routing.settings().takeoverDelay().toMillis();
                }
            }
        }
        if (count > 0) {
            log.info("Task {}: taking up {} batch(es), {} of them open", task, count, open.size());
        }
    }

    boolean eligible(JobRequest job, io.aijobs.schema.TenantPolicy policy, long now) {
        return routing.eligible(job, policy, now);
    }

    /**
     * Puts the job in its tenant's OPEN batch of its model (opening one when there is none) and returns the batch's
     * key; a batch that is full now (jobs, request bytes or member-key bytes) is closed for submission. The key comes
     * from the opening job's record and content alone (partition, offset, submission time): unique for ever, and the
     * same when that record is read again.
     */
    String add(String tenant, JobRequest job, String stateKey, int requestBytes, int partition, long offset, long now) {
        String openKey = tenant + "/" + job.getModel();
        BatchState batch = open.get(openKey);
        if (batch == null) {
            batch = BatchState.newBuilder()
                    .setKey(tenant + "/" + job.getModel() + "/" + partition + "@" + offset + "/" + job.getSubmittedAt().toEpochMilli())
                    .setTenantId(tenant)
                    .setModel(job.getModel())
                    .setEndpoint(routing.endpointFor(job.getModel()).orElseThrow())
                    .setStatus(BatchStatus.OPEN)
                    .setSequence(nextSequence++)
                    .setMembers(new ArrayList<>())
                    .setOpenedAt(now)
                    .build();
            open.put(openKey, batch);
            openBytes.put(batch.getKey(), new long[2]);
        }
        batch.getMembers().add(stateKey);
        long[] bytes = openBytes.get(batch.getKey());
        bytes[0] += requestBytes;
        bytes[1] += stateKey.length() + 4L;
        if (batch.getMembers().size() >= routing.settings().maxJobs() || bytes[0] >= routing.settings().maxBytes()
                || bytes[1] >= MAX_MEMBER_KEY_BYTES) {
            close(batch, now);
            open.remove(openKey);
        }
        batches.put(batch.getKey(), batch);
        metrics.batched(tenant);
        return batch.getKey();
    }

    private void close(BatchState batch, long now) {
        batch.setStatus(BatchStatus.SUBMITTING);
        openBytes.remove(batch.getKey());
        closedAt.put(batch.getKey(), now);
    }

    /**
     * Takes in the outcomes of finished operations, closes OPEN batches that have waited {@code batch.max.wait.ms},
     * and starts the next operation when none is under way: a submission or a poll, in turn when both are due.
     *
     * <p>A batch is submitted only once its closing is committed, so that a crash can never leave a batch at the
     * provider whose jobs the store does not show as its own: Kafka Streams commits the task at the end of the loop
     * that runs a punctuation once {@code commit.interval.ms} has passed since its last commit, so a batch closed at
     * least that long before a tick is committed when the next tick runs (or the task was closed, and this lane with
     * it).
     */
    void tick(long now) {
        BatchRouting.Outcome outcome;
        while ((outcome = outcomes.poll()) != null) {
            take(outcome, now);
        }
        long maxWait = routing.settings().maxWait().toMillis();
        open.values().removeIf(batch -> {
            if (now - batch.getOpenedAt() < maxWait) {
                return false;
            }
            close(batch, now);
            batches.put(batch.getKey(), batch);
            return true;
        });
        BatchState submit = null;
        BatchState poll = null;
        List<String> closing = new ArrayList<>();
        List<BatchState> unserved = new ArrayList<>();
        try (KeyValueIterator<String, BatchState> all = batches.all()) {
            while (all.hasNext()) {
                BatchState batch = all.next().value;
                if (!routing.serves(batch.getEndpoint())) {
                    unserved.add(batch);
                } else if (batch.getStatus() == BatchStatus.SUBMITTING) {
                    if (!committed.contains(batch.getKey())) {
                        closing.add(batch.getKey());
                    } else if (submit == null || batch.getSequence() < submit.getSequence()) {
                        submit = batch;
                    }
                } else if (batch.getStatus() == BatchStatus.SUBMITTED && nextPollAt.getOrDefault(batch.getKey(), 0L) <= now
                        && (poll == null || nextPollAt.getOrDefault(batch.getKey(), 0L) < nextPollAt.getOrDefault(poll.getKey(), 0L))) {
                    poll = batch;
                }
            }
        }
        for (BatchState batch : unserved) {
            if (!batch.getKey().equals(operating)) {
                abandon(batch, "batch_endpoint_removed", "endpoint " + batch.getEndpoint() + " is not in batch.endpoints any more", now);
            }
        }
        // seen closed a commit interval ago: committed by the end of this punctuation's loop, submitted from the next tick
        long commitInterval = routing.settings().commitInterval().toMillis();
        for (String key : closing) {
            if (now - closedAt.getOrDefault(key, 0L) >= commitInterval) {
                committed.add(key);
            }
        }
        if (operating != null) {
            return;
        }
        boolean canSubmit = submit != null && now >= nextSubmitAt;
        if (canSubmit && (poll == null || !pollFirst)) {
            pollFirst = true;
            startSubmit(submit, now);
        } else if (poll != null) {
            pollFirst = false;
            operating = poll.getKey();
            routing.poll(poll.getEndpoint(), poll.getKey(), poll.getBatchId()).thenAccept(outcomes::add);
        }
    }

    private void startSubmit(BatchState batch, long now) {
        List<OpenAiBatchClient.Request> requests = new ArrayList<>();
        Map<String, JobRequest> late = new LinkedHashMap<>();
        Instant latestDeadline = Instant.ofEpochMilli(now).plus(BatchRouting.COMPLETION_WINDOW);
        for (String key : batch.getMembers()) {
            JobExecutionState state = member(batch, key);
            if (state == null) {
                continue;
            }
            Optional<JobRequest> job = members.decode(state);
            if (job.isEmpty()) {
                // the registry is unreachable: the whole batch waits for it
                nextSubmitAt = now + routing.settings().pollInterval().toMillis();
                return;
            }
            if (job.get().getDeadline() != null && job.get().getDeadline().isBefore(latestDeadline)) {
                late.put(key, job.get());
            } else {
                requests.add(new OpenAiBatchClient.Request(customId(key, state.getAttempt()), job.get()));
            }
        }
        if (!late.isEmpty()) {
            // the batch was held back past what their deadline allows: they are called on their own while there is time
            Failure failure = new Failure(FailureCategory.TRANSIENT, "batch_window_past_deadline", null,
                    "the batch's completion window would end after the job's deadline", null, Optional.empty());
            late.forEach((key, job) -> members.unanswered(key, states.get(key), job, failure, now));
        }
        if (requests.isEmpty()) {
            forget(batch);
            return;
        }
        operating = batch.getKey();
        routing.submit(batch.getEndpoint(), batch.getKey(), requests).thenAccept(outcomes::add);
    }

    private void take(BatchRouting.Outcome outcome, long now) {
        if (outcome.batchKey().equals(operating)) {
            operating = null;
        }
        BatchState batch = batches.get(outcome.batchKey());
        if (batch == null) {
            return;
        }
        if (outcome instanceof BatchRouting.Failed failed) {
            failed(batch, failed, now);
        } else if (outcome instanceof BatchRouting.Submitted submitted && batch.getStatus() == BatchStatus.SUBMITTING) {
            submitted(batch, submitted, now);
        } else if (outcome instanceof BatchRouting.Polled polled && batch.getStatus() == BatchStatus.SUBMITTED) {
            polled(batch, polled, now);
        }
    }

    private void failed(BatchState batch, BatchRouting.Failed failed, long now) {
        boolean rejected = failed.error() instanceof OpenAiBatchClient.RejectedException;
        metrics.batchOperationFailed(batch.getEndpoint(), rejected ? failed.operation() + "_rejected" : failed.operation());
        if (rejected && failed.operation().equals("submit")) {
            // the upload or the creation was refused for good (a 4xx): no batch exists; each job is tried on its own
            abandon(batch, "batch_rejected", failed.error().getMessage(), now);
            return;
        }
        if (rejected) {
            // the provider refuses to show the batch (404 after a restart of a self-hosted server, ...): it is lost
            abandon(batch, "batch_lost", failed.error().getMessage(), now);
            return;
        }
        log.warn("Task {}: could not {} batch {} at endpoint {}; trying again in {} ms: {}", task, failed.operation(), batch.getKey(),
                batch.getEndpoint(), routing.settings().pollInterval().toMillis(), failed.error().getMessage());
        long next = now + routing.settings().pollInterval().toMillis();
        if (failed.operation().equals("submit")) {
            nextSubmitAt = next;
        } else {
            nextPollAt.put(batch.getKey(), next);
        }
    }

    /** Ends a batch that will answer none of its jobs: each is a failed attempt, tried on its own under the retry policy. */
    private void abandon(BatchState batch, String errorType, String why, long now) {
        Map<String, String> waiting = memberIds(batch);
        Map<String, JobRequest> jobs = decodeAll(waiting.values());
        if (jobs == null) {
            nextSubmitAt = now + routing.settings().pollInterval().toMillis();
            return;
        }
        log.warn("Task {}: batch {} of {} job(s) at endpoint {} is given up ({}); its jobs are called one by one: {}", task, batch.getKey(),
                waiting.size(), batch.getEndpoint(), errorType, why);
        endUnanswered(waiting, jobs, new Failure(FailureCategory.TRANSIENT, errorType, null, why, null, Optional.empty()), now);
        forget(batch);
    }

    private void forget(BatchState batch) {
        batches.delete(batch.getKey());
        open.values().removeIf(o -> o.getKey().equals(batch.getKey()));
        openBytes.remove(batch.getKey());
        nextPollAt.remove(batch.getKey());
        closedAt.remove(batch.getKey());
        committed.remove(batch.getKey());
    }

    private void submitted(BatchState batch, BatchRouting.Submitted submitted, long now) {
        submitted.adoptedIds().ifPresent(ids -> adopt(batch, ids));
        batch.setStatus(BatchStatus.SUBMITTED);
        batch.setBatchId(submitted.batch().id());
        batch.setSubmittedAt(now);
        batches.put(batch.getKey(), batch);
        closedAt.remove(batch.getKey());
        committed.remove(batch.getKey());
        nextPollAt.put(batch.getKey(), now + routing.settings().pollInterval().toMillis());
        for (String key : batch.getMembers()) {
            JobExecutionState state = member(batch, key);
            if (state != null) {
                members.decode(state).ifPresent(job -> members.started(key, state, job, submitted.batch().id(), now));
            }
        }
        log.info("Task {}: batch {} of {} job(s) is {} at endpoint {} as {}", task, batch.getKey(), batch.getMembers().size(),
                submitted.adoptedIds().isPresent() ? "found again" : "created", batch.getEndpoint(), submitted.batch().id());
    }

    /**
     * A batch found again at the provider was created with {@code ids}. Its closing was committed before it was
     * submitted, so these are its members; should the provider have one of the task's jobs that sits in a later batch,
     * not yet submitted, the job moves into it rather than be asked twice. Members the provider does not have stay:
     * the batch will not answer them, and they go on to per-job execution.
     */
    private void adopt(BatchState batch, List<String> ids) {
        java.util.Set<String> wanted = new java.util.HashSet<>(ids);
        memberIds(batch).keySet().forEach(wanted::remove);
        if (wanted.isEmpty()) {
            return;
        }
        List<KeyValue<String, BatchState>> others = new ArrayList<>();
        try (KeyValueIterator<String, BatchState> all = batches.all()) {
            all.forEachRemaining(others::add);
        }
        for (KeyValue<String, BatchState> other : others) {
            BatchState later = open.values().stream().filter(o -> o.getKey().equals(other.key)).findFirst().orElse(other.value);
            if (later.getKey().equals(batch.getKey()) || later.getStatus() == BatchStatus.SUBMITTED) {
                continue;
            }
            boolean moved = false;
            for (Map.Entry<String, String> member : memberIds(later).entrySet()) {
                if (wanted.remove(member.getKey())) {
                    JobExecutionState state = states.get(member.getValue());
                    state.setBatchKey(batch.getKey());
                    states.put(member.getValue(), state);
                    later.getMembers().remove(member.getValue());
                    batch.getMembers().add(member.getValue());
                    moved = true;
                }
            }
            if (moved) {
                batches.put(later.getKey(), later);
                log.info("Task {}: jobs of batch {} were in batch {} found again at the provider, and move there", task, later.getKey(),
                        batch.getKey());
            }
        }
    }

    private void polled(BatchState batch, BatchRouting.Polled polled, long now) {
        if (!polled.batch().status().ended()) {
            nextPollAt.put(batch.getKey(), now + routing.settings().pollInterval().toMillis());
            return;
        }
        Map<String, String> waiting = memberIds(batch);
        Map<String, JobRequest> jobs = decodeAll(waiting.values());
        if (jobs == null) {
            // a member cannot be decoded now (the registry is unreachable): read the batch's answers again later
            nextPollAt.put(batch.getKey(), now + routing.settings().pollInterval().toMillis());
            return;
        }
        int unknown = 0;
        Map<String, String> notRun = new LinkedHashMap<>();
        for (OpenAiBatchClient.Result result : polled.results()) {
            String key = waiting.get(result.customId());
            if (key == null) {
                unknown++;
                metrics.batchUnknownResult(batch.getEndpoint());
                continue;
            }
            if (!result.ran()) {
                // not run (batch_expired, batch_cancelled, ...): left for per-job execution below, with its code
                notRun.put(result.customId(), ((ModelOutcome.InvalidRequest) result.outcome()).code().orElse("batch_request_not_run"));
                continue;
            }
            waiting.remove(result.customId());
            members.answered(key, states.get(key), jobs.get(key), result.outcome(), batch, now);
        }
        if (unknown > 0) {
            log.warn("Task {}: batch {} ({}) answered {} custom_id(s) it did not have; ignored", task, batch.getKey(),
                    polled.batch().id(), unknown);
        }
        if (!waiting.isEmpty()) {
            String status = polled.batch().status().name().toLowerCase(Locale.ROOT);
            String missing = switch (polled.batch().status()) {
                case EXPIRED -> "batch_expired";
                case COMPLETED -> "batch_result_missing";
                default -> "batch_" + status;
            };
            log.warn("Task {}: batch {} ({}) ended {} without an answer for {} of its job(s); they are called one by one", task,
                    batch.getKey(), polled.batch().id(), status, waiting.size());
            for (Map.Entry<String, String> member : waiting.entrySet()) {
                String errorType = notRun.getOrDefault(member.getKey(), missing);
                members.unanswered(member.getValue(), states.get(member.getValue()), jobs.get(member.getValue()), new Failure(
                        FailureCategory.TRANSIENT, errorType, null, "batch " + polled.batch().id() + " ended " + status
                        + " without running the job (" + errorType + ")", null, Optional.empty()), now);
            }
        }
        forget(batch);
    }

    private void endUnanswered(Map<String, String> waiting, Map<String, JobRequest> jobs, Failure failure, long now) {
        for (String key : waiting.values()) {
            members.unanswered(key, states.get(key), jobs.get(key), failure, now);
        }
    }

    /** The jobs of these members by state key, or null when one cannot be decoded now. */
    private Map<String, JobRequest> decodeAll(java.util.Collection<String> keys) {
        Map<String, JobRequest> jobs = new HashMap<>();
        for (String key : keys) {
            Optional<JobRequest> job = members.decode(states.get(key));
            if (job.isEmpty()) {
                return null;
            }
            jobs.put(key, job.get());
        }
        return jobs;
    }

    /** The batch's members that are still its own (BATCHED in it), by {@code custom_id}. */
    private Map<String, String> memberIds(BatchState batch) {
        Map<String, String> ids = new LinkedHashMap<>();
        for (String key : batch.getMembers()) {
            JobExecutionState state = member(batch, key);
            if (state != null) {
                ids.put(customId(key, state.getAttempt()), key);
            }
        }
        return ids;
    }

    private JobExecutionState member(BatchState batch, String key) {
        JobExecutionState state = states.get(key);
        return state != null && state.getStatus() == ExecutionStatus.BATCHED && batch.getKey().equals(state.getBatchKey()) ? state : null;
    }

    /**
     * A member's {@code custom_id}: the first 128 bits of SHA-256 over its state key and attempt, in hex, behind
     * {@code aj-}: within OpenAI's 64 characters whatever the jobId, and naming neither tenant nor job to the provider.
     */
    static String customId(String stateKey, int attempt) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((stateKey + "#" + attempt).getBytes(StandardCharsets.UTF_8));
            return "aj-" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
