package io.aijobs.devstack.modelstub;

import java.time.Duration;
import java.util.Objects;

/**
 * How the model stub's batch interface ends a batch.
 *
 * @param completionDelay   how long after its creation a batch ends (it is {@code in_progress} until then)
 * @param expire            the batch ends {@code expired} instead of {@code completed}, with output for the first
 *                          half of its requests only, as a provider's batch that ran out of its completion window;
 *                          the other half get an error line with no response and the code {@code batch_expired}, as
 *                          OpenAI writes them
 * @param failEvery         every {@code failEvery}-th request of a batch (1-based) gets an error line (HTTP 500) in
 *                          the error file instead of an answer; 0 for none
 * @param omitEvery         every {@code omitEvery}-th request gets no line in either file although the batch says
 *                          {@code completed}; 0 for none
 * @param unknownCustomId   the output file also holds one answer for a {@code custom_id} the batch never had
 */
public record BatchBehaviour(Duration completionDelay, boolean expire, int failEvery, int omitEvery, boolean unknownCustomId) {

    public BatchBehaviour {
        Objects.requireNonNull(completionDelay, "completionDelay");
        if (completionDelay.isNegative() || failEvery < 0 || omitEvery < 0) {
            throw new IllegalArgumentException("the completion delay and the intervals must not be negative");
        }
    }

    /** Every batch completes after one second, every request answered. */
    public static BatchBehaviour defaults() {
        return new BatchBehaviour(Duration.ofSeconds(1), false, 0, 0, false);
    }
}
