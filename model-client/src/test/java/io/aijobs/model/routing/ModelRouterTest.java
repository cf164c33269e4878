package io.aijobs.model.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.devstack.modelstub.Fault;
import io.aijobs.devstack.modelstub.ModelStub;
import io.aijobs.devstack.modelstub.ModelStubConfig;
import io.aijobs.model.ModelOutcome;
import io.aijobs.model.OpenAiModelClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Routing between two stubs over real HTTP on 127.0.0.1. */
class ModelRouterTest {

    private final ModelStub primary = ModelStub.start(ModelStubConfig.defaults().withRetryAfter(Duration.ofSeconds(30)));
    private final ModelStub secondary = ModelStub.start(ModelStubConfig.defaults());
    private final ScheduledExecutorService timers = ModelRouter.newTimers();
    private final Endpoint a = endpoint("a", primary);
    private final Endpoint b = endpoint("b", secondary);
    private final ModelRouter router = new ModelRouter(List.of(new Route("gpt", List.of("gpt-4o", "gpt-4o-mini*"), List.of(a, b))),
            List.of(a, b), timers);

    private Endpoint endpoint(String name, ModelStub stub) {
        return new Endpoint(name, new OpenAiModelClient(stub.baseUrl(), Optional.empty(), Duration.ofSeconds(5), Duration.ofSeconds(2), 8, 1,
                Clock.systemUTC()), Endpoint.Limits.fixed(8), timers, System::nanoTime);
    }

    @AfterEach
    void stop() {
        router.close();
        primary.close();
        secondary.close();
    }

    private static io.aijobs.schema.JobRequest job(String model) {
        io.aijobs.schema.JobRequest job = EndpointTest.job("j");
        job.setModel(model);
        return job;
    }

    @Test
    void shouldMatchExactNamesAndPrefixesOnly() {
        assertThat(router.route("gpt-4o")).isPresent();
        assertThat(router.route("gpt-4o-mini-2024-07-18")).isPresent();
        assertThat(router.route("gpt-4o-2024-08-06")).isEmpty();
        assertThat(router.routeLength("gpt-4o")).isEqualTo(2);
        assertThat(router.routeLength("llama3")).isZero();
    }

    @Test
    void shouldTellWhichPatternsOverlap() {
        assertThat(Route.overlap("gpt-4o*", "gpt-4o-mini")).isTrue();
        assertThat(Route.overlap("gpt-4o*", "gpt-*")).isTrue();
        assertThat(Route.overlap("*", "llama3")).isTrue();
        assertThat(Route.overlap("gpt-4o", "gpt-4o")).isTrue();
        assertThat(Route.overlap("gpt-4o", "gpt-4o-mini")).isFalse();
        assertThat(Route.overlap("gpt-4o-mini*", "gpt-4o")).isFalse();
        assertThat(Route.overlap("claude*", "gpt*")).isFalse();
    }

    @Test
    void shouldCallTheEndpointAtTheGivenPositionAndNameIt() throws Exception {
        ModelRouter.Routed first = router.call(job("gpt-4o"), "j-1", 0).get(5, TimeUnit.SECONDS);
        ModelRouter.Routed second = router.call(job("gpt-4o"), "j-2", 1).get(5, TimeUnit.SECONDS);

        assertThat(first.endpoint()).isEqualTo("a");
        assertThat(first.position()).isZero();
        assertThat(second.endpoint()).isEqualTo("b");
        assertThat(second.position()).isEqualTo(1);
        assertThat(first.outcome()).isInstanceOf(ModelOutcome.Success.class);
        assertThat(primary.requestCount()).isEqualTo(1);
        assertThat(secondary.requestCount()).isEqualTo(1);
    }

    @Test
    void shouldSendToTheNextEndpointWhileTheFirstIsHeldByRetryAfter() throws Exception {
        primary.failAllFor(Fault.RATE_LIMIT, Duration.ofSeconds(5));
        ModelRouter.Routed limited = router.call(job("gpt-4o"), "j-1", 0).get(5, TimeUnit.SECONDS);

        ModelRouter.Routed next = router.call(job("gpt-4o"), "j-2", 0).get(5, TimeUnit.SECONDS);

        assertThat(limited.outcome()).isInstanceOf(ModelOutcome.RateLimited.class);
        assertThat(a.held()).isTrue();
        assertThat(next.endpoint()).isEqualTo("b");
        assertThat(next.outcome()).isInstanceOf(ModelOutcome.Success.class);
        assertThat(primary.requestCount()).isEqualTo(1);
    }

    @Test
    void shouldEndACallForAModelNoRouteServesWithoutACall() throws Exception {
        ModelRouter.Routed routed = router.call(job("llama3"), "j-1", 0).get(5, TimeUnit.SECONDS);

        assertThat(routed.outcome()).isInstanceOfSatisfying(ModelOutcome.InvalidRequest.class,
                invalid -> assertThat(invalid.code()).contains("no_route"));
        assertThat(primary.requestCount() + secondary.requestCount()).isZero();
    }
}
