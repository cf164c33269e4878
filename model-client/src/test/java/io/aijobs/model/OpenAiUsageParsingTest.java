package io.aijobs.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Cached input tokens read from the usage of a chat completion, in the shapes OpenAI-compatible servers send: counted
 * inside {@code prompt_tokens}, never added to it, and never dropped because a server names them its own way.
 */
class OpenAiUsageParsingTest {

    private final OpenAiModelClient client = new OpenAiModelClient("http://127.0.0.1:9/v1", Optional.empty(), Duration.ofSeconds(1),
            Duration.ofSeconds(1), 1, 1, Clock.systemUTC());

    @AfterEach
    void close() {
        client.close();
    }

    private ModelOutcome answer(String usage) {
        String body = """
                {"id": "chatcmpl-1", "object": "chat.completion", "model": "m",
                 "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
                 "usage": %s}""".formatted(usage);
        return client.fromResponse(200, body.getBytes(StandardCharsets.UTF_8), Optional.empty(), Optional.empty(), Duration.ofMillis(5));
    }

    private static ModelOutcome.Success success(ModelOutcome outcome) {
        assertThat(outcome).isInstanceOf(ModelOutcome.Success.class);
        return (ModelOutcome.Success) outcome;
    }

    @Test
    void shouldReadOpenAisCachedTokensAsPartOfThePromptTokens() {
        ModelOutcome.Success success = success(answer("""
                {"prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
                 "prompt_tokens_details": {"cached_tokens": 1920, "audio_tokens": 0}}"""));

        assertThat(success.inputTokens()).isEqualTo(2006);
        assertThat(success.cachedInputTokens()).isEqualTo(1920);
        assertThat(success.outputTokens()).isEqualTo(300);
    }

    @Test
    void shouldReadDeepSeeksPromptCacheHitTokensWhenThereAreNoPromptTokenDetails() {
        ModelOutcome.Success success = success(answer("""
                {"prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
                 "prompt_cache_hit_tokens": 1920, "prompt_cache_miss_tokens": 86}"""));

        assertThat(success.inputTokens()).isEqualTo(2006);
        assertThat(success.cachedInputTokens()).isEqualTo(1920);
    }

    @Test
    void shouldCountNoCachedTokensWhenTheDetailsAreMissingOrNull() {
        assertThat(success(answer("""
                {"prompt_tokens": 20, "completion_tokens": 3}""")).cachedInputTokens()).isZero();
        assertThat(success(answer("""
                {"prompt_tokens": 20, "completion_tokens": 3, "prompt_tokens_details": null}""")).cachedInputTokens()).isZero();
        assertThat(success(answer("""
                {"prompt_tokens": 20, "completion_tokens": 3, "prompt_tokens_details": {"cached_tokens": null}}""")).cachedInputTokens())
                .isZero();
    }

    @Test
    void shouldHoldACachedCountAboveThePromptTokensToThemAndANegativeOneToZero() {
        assertThat(success(answer("""
                {"prompt_tokens": 100, "completion_tokens": 3, "prompt_tokens_details": {"cached_tokens": 128}}""")).cachedInputTokens())
                .isEqualTo(100);
        assertThat(success(answer("""
                {"prompt_tokens": 100, "completion_tokens": 3, "prompt_tokens_details": {"cached_tokens": -5}}""")).cachedInputTokens())
                .isZero();
    }

    @Test
    void shouldCarryTheCachedTokensOfARefusal() {
        String body = """
                {"model": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": "", "refusal": "no"},
                 "finish_reason": "stop"}],
                 "usage": {"prompt_tokens": 1500, "completion_tokens": 2, "prompt_tokens_details": {"cached_tokens": 1024}}}""";

        ModelOutcome outcome = client.fromResponse(200, body.getBytes(StandardCharsets.UTF_8), Optional.empty(), Optional.empty(),
                Duration.ofMillis(5));

        assertThat(outcome).isInstanceOfSatisfying(ModelOutcome.Refusal.class, refusal -> {
            assertThat(refusal.inputTokens()).isEqualTo(1500);
            assertThat(refusal.cachedInputTokens()).isEqualTo(1024);
        });
    }
}
