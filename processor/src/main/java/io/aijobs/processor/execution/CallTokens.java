package io.aijobs.processor.execution;

import io.aijobs.model.ModelOutcome;

/** The tokens one model call was paid for; {@code cached} is the part of {@code input} served from the provider's prompt cache. */
record CallTokens(int input, int cached, int output) {

    private static final CallTokens NONE = new CallTokens(0, 0, 0);

    /** The tokens of an answer (a success or a refusal); none for a call that got no answer to pay for. */
    static CallTokens of(ModelOutcome outcome) {
        if (outcome instanceof ModelOutcome.Success success) {
            return new CallTokens(success.inputTokens(), success.cachedInputTokens(), success.outputTokens());
        }
        if (outcome instanceof ModelOutcome.Refusal refusal) {
            return new CallTokens(refusal.inputTokens(), refusal.cachedInputTokens(), refusal.outputTokens());
        }
        return NONE;
    }
}
