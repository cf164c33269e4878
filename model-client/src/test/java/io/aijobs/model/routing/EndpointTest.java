package io.aijobs.model.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aijobs.devstack.modelstub.Fault;
import io.aijobs.devstack.modelstub.LatencyDistribution;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.model.ModelOutcome;
import io.aijobs.model.OpenAiModelClient;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Endpoints against the model stub over real HTTP on 127.0.0.1. */
class EndpointTest {

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ScheduledExecutorService timers = ModelRouter.newTimers();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
        timers.shutdownNow();
    }

    private ModelStub stub(ModelStubConfig config) {
        ModelStub stub = ModelStub.start(config);
        closeables.add(stub);
        return stub;
    }

    private Endpoint endpoint(ModelStub stub, Endpoint.Limits limits) {
        OpenAiModelClient client = new OpenAiModelClient(stub.baseUrl(), Optional.empty(), Duration.ofSeconds(10), Duration.ofSeconds(2),
                limits.maxConcurrency(), 1, Clock.systemUTC());
        Endpoint endpoint = new Endpoint("stub", client, limits, timers, System::nanoTime);
        closeables.add(0, endpoint);
        return endpoint;
    }

    static JobRequest job(String id) {
        return JobRequest.newBuilder().setJobId(id).setTenantId("acme").setModel("stub-model")
                .setMessages(List.of(new ChatMessage("user", "hello")))
                .setParameters(JobParameters.newBuilder().setMaxOutputTokens(16).build())
                .setSubmittedAt(Instant.now()).build();
    }

    /** What the stub saw after the settling time. */
    record Settled(int maxOpen, long answered, long rateLimited) {
    }

    /**
     * Keeps {@code concurrency} calls asked of the endpoint at all times for {@code duration}; returns what the stub saw
     * after {@code settle}: the most requests open at once, and the answers with 200 and 429.
     */
    private static Settled loadAndSampleAfter(Endpoint endpoint, ModelStub stub, int concurrency, Duration settle, Duration duration)
            throws InterruptedException {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ids = new AtomicInteger();
        for (int i = 0; i < concurrency; i++) {
            keepCalling(endpoint, running, ids);
        }
        long start = System.nanoTime();
        int maxOpen = 0;
        long answeredBefore = -1;
        long limitedBefore = -1;
        while (System.nanoTime() - start < duration.toNanos()) {
            if (System.nanoTime() - start > settle.toNanos()) {
                if (answeredBefore < 0) {
                    answeredBefore = stub.answersWithStatus(200);
                    limitedBefore = stub.answersWithStatus(429);
                }
                maxOpen = Math.max(maxOpen, stub.openRequests());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L); // the sampling interval
        }
        Settled settled = new Settled(maxOpen, stub.answersWithStatus(200) - answeredBefore, stub.answersWithStatus(429) - limitedBefore);
        running.set(false);
        return settled;
    }

    private static void keepCalling(Endpoint endpoint, AtomicBoolean running, AtomicInteger ids) {
        if (!running.get()) {
            return;
        }
        endpoint.call(job("j" + ids.incrementAndGet()), "k").whenComplete((outcome, error) -> keepCalling(endpoint, running, ids));
    }

    @Test
    void shouldSettleAnAdaptiveLimitBelowWhatTheServerAcceptsAndStayThere() throws Exception {
        ModelStub stub = stub(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Fixed(100)).withMaxConcurrent(100));
        Endpoint endpoint = endpoint(stub, new Endpoint.Limits(256, true, OptionalLong.empty(), OptionalLong.empty(), Duration.ofMinutes(1)));

        Settled afterTwoSeconds = loadAndSampleAfter(endpoint, stub, 400, Duration.ofSeconds(2), Duration.ofSeconds(4));

        assertThat(afterTwoSeconds.maxOpen()).isBetween(80, 110);
        assertThat(endpoint.concurrencyLimit()).isBetween(80, 110);
        // 2 s at up to 100 calls of 100 ms: at most 2,000 answers; at least 80% of that, and 429s under 5% of them
        assertThat(afterTwoSeconds.answered()).isGreaterThan(1_600);
        assertThat(afterTwoSeconds.rateLimited()).isLessThan(afterTwoSeconds.answered() / 20);
    }

    @Test
    void shouldKeepAFixedLimitAtItsMaximumAndDrawMore429sThanAnswers() throws Exception {
        ModelStub stub = stub(ModelStubConfig.defaults().withLatency(new LatencyDistribution.Fixed(100)).withMaxConcurrent(100));
        Endpoint endpoint = endpoint(stub, Endpoint.Limits.fixed(256));

        Settled afterTwoSeconds = loadAndSampleAfter(endpoint, stub, 400, Duration.ofSeconds(2), Duration.ofSeconds(3));

        assertThat(endpoint.concurrencyLimit()).isEqualTo(256);
        assertThat(afterTwoSeconds.rateLimited()).isGreaterThan(afterTwoSeconds.answered());
    }

    @Test
    void shouldHoldEveryCallToTheEndpointUntilTheRetryAfterOfA429() throws Exception {
        ModelStub stub = stub(ModelStubConfig.defaults().withRetryAfter(Duration.ofSeconds(1)));
        Endpoint endpoint = endpoint(stub, Endpoint.Limits.fixed(16));
        stub.failAllFor(Fault.RATE_LIMIT, Duration.ofMillis(200));

        ModelOutcome rejected = endpoint.call(job("a"), "a-1").get(5, TimeUnit.SECONDS);
        long heldFrom = System.nanoTime();
        long requestsAtThe429 = stub.requestCount();
        CompletableFuture<ModelOutcome> other = endpoint.call(job("b"), "b-1");
        // nothing may reach the stub for the next 500 ms, checked all along
        await().during(Duration.ofMillis(500)).atMost(Duration.ofMillis(900)).until(() -> stub.requestCount() == requestsAtThe429);
        long requestsWhileHeld = stub.requestCount();
        ModelOutcome afterHold = other.get(5, TimeUnit.SECONDS);
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - heldFrom);

        assertThat(rejected).isInstanceOfSatisfying(ModelOutcome.RateLimited.class,
                limited -> assertThat(limited.retryAfter()).contains(Duration.ofSeconds(1)));
        assertThat(requestsWhileHeld).isEqualTo(requestsAtThe429).isEqualTo(1);
        assertThat(afterHold).isInstanceOf(ModelOutcome.Success.class);
        assertThat(waitedMs).isGreaterThanOrEqualTo(900);
    }

    @Test
    void shouldStartNoMoreCallsThanTheRequestsPerMinuteBudgetAllows() throws Exception {
        ModelStub stub = stub(ModelStubConfig.defaults());
        // 120 a minute: the full bucket at once, then one every 500 ms
        Endpoint endpoint = endpoint(stub, new Endpoint.Limits(256, false, OptionalLong.of(120), OptionalLong.empty(), Duration.ofMinutes(1)));
        List<CompletableFuture<ModelOutcome>> calls = new ArrayList<>();
        long start = System.nanoTime();

        for (int i = 0; i < 123; i++) {
            calls.add(endpoint.call(job("j" + i), "k" + i));
        }
        // the full bucket starts at once; the next call may start only 500 ms after the first
        await().atMost(Duration.ofMillis(450)).until(() -> stub.requestCount() >= 120);
        long startedAtOnce = stub.requestCount();
        for (CompletableFuture<ModelOutcome> call : calls) {
            assertThat(call.get(10, TimeUnit.SECONDS)).isInstanceOf(ModelOutcome.Success.class);
        }
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(startedAtOnce).isEqualTo(120);
        assertThat(tookMs).isBetween(1_400L, 5_000L);
    }

    @Test
    void shouldWaitForTheTokenBudgetToRefillOnceAnswersUsedItUp() throws Exception {
        ModelStub stub = stub(ModelStubConfig.defaults());
        // a stub answer here uses 2 prompt and 8 completion tokens
        Endpoint endpoint = endpoint(stub, new Endpoint.Limits(1, false, OptionalLong.empty(), OptionalLong.of(30), Duration.ofMinutes(1)));

        int completedWithin1500Ms = 0;
        long start = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            CompletableFuture<ModelOutcome> call = endpoint.call(job("j" + i), "k" + i);
            long left = TimeUnit.MILLISECONDS.toNanos(1_500) - (System.nanoTime() - start);
            try {
                call.get(Math.max(1, left), TimeUnit.NANOSECONDS);
                completedWithin1500Ms++;
            } catch (java.util.concurrent.TimeoutException e) {
                break;
            }
        }

        // about 10 tokens a call: 3 calls spend the 30, and one token takes 2 s to come back
        assertThat(completedWithin1500Ms).isEqualTo(3);
        assertThat(endpoint.waiting()).isEqualTo(1);
    }
}
