package io.aijobs.processor.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aijobs.processor.ProcessorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The routing table as the processor's configuration gives it: the two-provider example of the README, and every refusal. */
class RoutingConfigTest {

    private static final Map<String, String> ENVIRONMENT = Map.of("OPENAI_API_KEY", "sk-test");

    @TempDir
    Path dir;

    private static Map<String, Object> base() {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", "127.0.0.1:9092");
        props.put("schema.registry.url", "http://127.0.0.1:8081");
        return props;
    }

    /** OpenAI and Azure OpenAI, as in the README. */
    private Map<String, Object> twoProviders() throws Exception {
        Path azureKey = Files.writeString(dir.resolve("azure-key"), "azure-secret\n");
        Map<String, Object> props = base();
        props.put("model.endpoints", "openai,azure");
        props.put("model.endpoint.openai.base.url", "https://api.openai.com/v1");
        props.put("model.endpoint.openai.api.key.env", "OPENAI_API_KEY");
        props.put("model.endpoint.openai.max.concurrency", "200");
        props.put("model.endpoint.openai.requests.per.minute", "5000");
        props.put("model.endpoint.openai.tokens.per.minute", "2000000");
        props.put("model.endpoint.azure.base.url", "https://example-eu.openai.azure.com/openai/deployments/{model}");
        props.put("model.endpoint.azure.chat.path", "/chat/completions?api-version=2024-10-21");
        props.put("model.endpoint.azure.api.key.file", azureKey.toString());
        props.put("model.endpoint.azure.api.key.header", "api-key");
        props.put("model.endpoint.azure.api.key.scheme", "");
        props.put("model.endpoint.azure.header.x-ms-useragent", "aijobs");
        props.put("model.endpoint.azure.max.concurrency", "100");
        props.put("model.routes", "gpt4o,everything");
        props.put("model.route.gpt4o.models", "gpt-4o,gpt-4o-mini*");
        props.put("model.route.gpt4o.endpoints", "azure,openai");
        props.put("model.route.gpt4o.order", "1");
        props.put("model.route.everything.models", "*");
        props.put("model.route.everything.endpoints", "openai");
        props.put("model.route.everything.order", "2");
        return props;
    }

    private static RoutingConfig.Table table(Map<String, Object> props) {
        return new ProcessorConfig(props, ENVIRONMENT::get).routingTable();
    }

    private static void assertRefused(Map<String, Object> props, String key, String why) {
        assertThatThrownBy(() -> table(props)).isInstanceOf(ConfigException.class).hasMessageContaining(key).hasMessageContaining(why);
    }

    @Test
    void shouldParseTwoProvidersWithOrderedOverlappingRoutes() throws Exception {
        RoutingConfig.Table table = table(twoProviders());

        assertThat(table.routes()).extracting(RoutingConfig.RouteSettings::name).containsExactly("gpt4o", "everything");
        assertThat(table.routes().get(0).endpoints()).containsExactly("azure", "openai");
        RoutingConfig.EndpointSettings openai = table.endpoints().get(0);
        assertThat(openai.target().apiKey()).contains("sk-test");
        assertThat(openai.target().keyHeader()).isEqualTo("Authorization");
        assertThat(openai.limits().maxConcurrency()).isEqualTo(200);
        assertThat(openai.limits().adaptive()).isTrue();
        assertThat(openai.limits().requestsPerMinute()).hasValue(5000);
        assertThat(openai.limits().tokensPerMinute()).hasValue(2_000_000);
        assertThat(openai.timeout()).isEqualTo(Duration.ofMinutes(1));
        RoutingConfig.EndpointSettings azure = table.endpoints().get(1);
        assertThat(azure.target().apiKey()).contains("azure-secret");
        assertThat(azure.target().keyHeader()).isEqualTo("api-key");
        assertThat(azure.target().keyScheme()).isEmpty();
        assertThat(azure.target().headers()).containsEntry("x-ms-useragent", "aijobs");
        assertThat(azure.target().chatCompletionsUri().toString()).isEqualTo(
                "https://example-eu.openai.azure.com/openai/deployments/%7Bmodel%7D/chat/completions?api-version=2024-10-21");
    }

    @Test
    void shouldMakeOneFixedDefaultEndpointForEveryModelFromModelBaseUrl() {
        Map<String, Object> props = base();
        props.put("model.base.url", "http://127.0.0.1:8000/v1");
        props.put("max.in.flight", "64");

        RoutingConfig.Table table = table(props);

        assertThat(table.endpoints()).singleElement().satisfies(endpoint -> {
            assertThat(endpoint.name()).isEqualTo("default");
            assertThat(endpoint.limits().maxConcurrency()).isEqualTo(64);
            assertThat(endpoint.limits().adaptive()).isFalse();
        });
        assertThat(table.routes()).singleElement().satisfies(route -> assertThat(route.models()).containsExactly("*"));
    }

    @Test
    void shouldRefuseARouteNamingAnUnknownEndpoint() throws Exception {
        Map<String, Object> props = twoProviders();
        props.put("model.route.gpt4o.endpoints", "azure,anthropic");

        assertRefused(props, "model.route.gpt4o.endpoints", "unknown endpoint anthropic");
    }

    @Test
    void shouldRefuseOverlappingRoutesWithoutAnOrderOrWithTheSameOrder() throws Exception {
        Map<String, Object> unordered = twoProviders();
        unordered.remove("model.route.everything.order");
        assertRefused(unordered, "model.route.everything.order", "overlap (gpt-4o and *)");

        Map<String, Object> same = twoProviders();
        same.put("model.route.everything.order", "1");
        assertRefused(same, "model.route.everything.order", "same order");
    }

    @Test
    void shouldAcceptRoutesThatCannotOverlapWithoutAnOrder() throws Exception {
        Map<String, Object> props = twoProviders();
        props.put("model.route.everything.models", "llama*,mistral-large");
        props.remove("model.route.gpt4o.order");
        props.remove("model.route.everything.order");

        assertThat(table(props).routes()).hasSize(2);
    }

    @Test
    void shouldRefuseABudgetBelowOneRequestAndAConcurrencyBelowOne() throws Exception {
        Map<String, Object> requests = twoProviders();
        requests.put("model.endpoint.openai.requests.per.minute", "0");
        assertRefused(requests, "model.endpoint.openai.requests.per.minute", "at least 1");

        Map<String, Object> tokens = twoProviders();
        tokens.put("model.endpoint.openai.tokens.per.minute", "0");
        assertRefused(tokens, "model.endpoint.openai.tokens.per.minute", "at least 1");

        Map<String, Object> concurrency = twoProviders();
        concurrency.put("model.endpoint.azure.max.concurrency", "0");
        assertRefused(concurrency, "model.endpoint.azure.max.concurrency", "at least 1");
    }

    @Test
    void shouldRefuseMissingKeysNamingTheKeyAndNeverShowingASecret() throws Exception {
        Map<String, Object> unsetVariable = twoProviders();
        unsetVariable.put("model.endpoint.openai.api.key.env", "NOT_SET_ANYWHERE");
        assertRefused(unsetVariable, "model.endpoint.openai.api.key.env", "not set");

        Map<String, Object> noFile = twoProviders();
        noFile.put("model.endpoint.azure.api.key.file", dir.resolve("missing").toString());
        assertRefused(noFile, "model.endpoint.azure.api.key.file", "cannot be read");

        Map<String, Object> both = twoProviders();
        both.put("model.endpoint.azure.api.key.env", "OPENAI_API_KEY");
        assertRefused(both, "model.endpoint.azure.api.key.file", "not both");

        Map<String, Object> noBaseUrl = twoProviders();
        noBaseUrl.remove("model.endpoint.azure.base.url");
        assertRefused(noBaseUrl, "model.endpoint.azure.base.url", "no default value");
    }

    @Test
    void shouldRefuseMixingModelBaseUrlWithEndpointsAndRoutesWithoutEndpoints() throws Exception {
        Map<String, Object> mixed = twoProviders();
        mixed.put("model.base.url", "http://127.0.0.1:8000/v1");
        assertRefused(mixed, "model.base.url", "not both");

        Map<String, Object> neither = base();
        assertRefused(neither, "model.base.url", "required unless model.endpoints is set");

        Map<String, Object> noRoutes = twoProviders();
        noRoutes.put("model.routes", "");
        noRoutes.keySet().removeIf(key -> key.startsWith("model.route."));
        assertRefused(noRoutes, "model.routes", "at least one route");
    }

    @Test
    void shouldRefuseAStarInsideAPattern() throws Exception {
        Map<String, Object> props = twoProviders();
        props.put("model.route.gpt4o.models", "gpt-*-mini");

        assertRefused(props, "model.route.gpt4o.models", "'*' may only end a pattern");
    }

    @Test
    void shouldDefineEveryEndpointAndRouteKeyUnderItsName() {
        assertThat(RoutingConfig.endpointDef("x").names()).allMatch(name -> name.startsWith("model.endpoint.x."));
        assertThat(RoutingConfig.routeDef("x").names()).containsExactlyInAnyOrder("model.route.x.models", "model.route.x.endpoints",
                "model.route.x.order");
        assertThat(List.copyOf(RoutingConfig.endpointDef("x").names())).hasSize(12);
    }
}
