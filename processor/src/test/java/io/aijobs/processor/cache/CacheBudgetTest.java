package io.aijobs.processor.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CacheBudgetTest {

    @Test
    void shouldEvictTheOldestEntriesPastTheEntryBound() {
        CacheBudget budget = new CacheBudget(2, 1_000);

        assertThat(budget.written("a", 10)).isEmpty();
        assertThat(budget.written("b", 10)).isEmpty();
        assertThat(budget.written("c", 10)).containsExactly("a");
        assertThat(budget.entries()).isEqualTo(2);
        assertThat(budget.bytes()).isEqualTo(20);
    }

    @Test
    void shouldEvictAsManyOldestEntriesAsTheByteBoundNeeds() {
        CacheBudget budget = new CacheBudget(100, 100);
        budget.written("a", 40);
        budget.written("b", 40);

        assertThat(budget.written("c", 90)).containsExactly("a", "b");
        assertThat(budget.bytes()).isEqualTo(90);
    }

    @Test
    void shouldCountARewriteOnceAsTheNewestEntry() {
        CacheBudget budget = new CacheBudget(2, 1_000);
        budget.written("a", 10);
        budget.written("b", 10);

        assertThat(budget.written("a", 30)).isEmpty();
        assertThat(budget.bytes()).isEqualTo(40);
        assertThat(budget.written("c", 10)).as("b is now the oldest").containsExactly("b");
    }

    @Test
    void shouldEvictAnEntryLargerThanTheByteBoundAndNothingElse() {
        CacheBudget budget = new CacheBudget(10, 100);
        budget.written("a", 10);

        assertThat(budget.written("huge", 101)).containsExactly("huge");
        assertThat(budget.entries()).isEqualTo(1);
        assertThat(budget.bytes()).isEqualTo(10);
    }

    @Test
    void shouldForgetARemovedEntry() {
        CacheBudget budget = new CacheBudget(10, 100);
        budget.written("a", 60);
        budget.removed("a");
        budget.removed("never-written");

        assertThat(budget.written("b", 60)).isEmpty();
        assertThat(budget.bytes()).isEqualTo(60);
    }

    @Test
    void shouldRefuseABoundBelowOne() {
        assertThatThrownBy(() -> new CacheBudget(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CacheBudget(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
