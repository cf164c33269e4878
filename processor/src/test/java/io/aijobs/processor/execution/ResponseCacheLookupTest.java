package io.aijobs.processor.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.schema.ResponseCacheEntry;
import io.aijobs.schema.TenantPolicy;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;

class ResponseCacheLookupTest {

    private static final long TTL = 60_000;
    private static final TenantPolicy POLICY = TenantPolicy.newBuilder().setTenantId("acme").setRetentionMs(1)
            .setResponseCacheTtlMs(TTL).setUpdatedAt(Instant.EPOCH).build();

    /** The global store as the lookup reads it: gets only. */
    private final Map<String, ResponseCacheEntry> global = new HashMap<>();
    private final ResponseCacheLookup lookup = new ResponseCacheLookup(new ReadOnlyKeyValueStore<>() {
        @Override
        public ResponseCacheEntry get(String key) {
            return global.get(key);
        }

        @Override
        public KeyValueIterator<String, ResponseCacheEntry> range(String from, String to) {
            throw new UnsupportedOperationException();
        }

        @Override
        public KeyValueIterator<String, ResponseCacheEntry> all() {
            throw new UnsupportedOperationException();
        }

        @Override
        public long approximateNumEntries() {
            return global.size();
        }
    });

    private static ResponseCacheEntry entry(String output, long createdAtMs) {
        return ResponseCacheEntry.newBuilder().setTenantId("acme").setRequestHash("h").setModel("m").setAnsweredBy("m").setOutput(output)
                .setFinishReason("stop").setInputTokens(1).setOutputTokens(1).setSourceJobId("j").setCreatedAt(Instant.ofEpochMilli(createdAtMs))
                .build();
    }

    @Test
    void shouldAnswerFromWhatThisTaskWroteBeforeTheGlobalStoreShowsIt() {
        lookup.written("acme/h", entry("written here", 1_000));

        assertThat(lookup.answer(POLICY, "acme/h", 2_000)).map(ResponseCacheEntry::getOutput).hasValue("written here");
    }

    @Test
    void shouldTakeTheNewerOfTheTwoSoAnExpiredLocalAnswerDoesNotHideAFreshGlobalOne() {
        lookup.written("acme/h", entry("old, written here", 0));
        global.put("acme/h", entry("newer, from another task", 50_000));

        assertThat(lookup.answer(POLICY, "acme/h", TTL + 10_000)).map(ResponseCacheEntry::getOutput).hasValue("newer, from another task");

        global.clear();
        assertThat(lookup.answer(POLICY, "acme/h", 1_000)).as("the local copy was dropped once the global store had caught up").isEmpty();
    }

    @Test
    void shouldServeNoAnswerOlderThanTheTtl() {
        global.put("acme/h", entry("answer", 0));

        assertThat(lookup.answer(POLICY, "acme/h", TTL - 1)).isPresent();
        assertThat(lookup.answer(POLICY, "acme/h", TTL)).isEmpty();
    }

    @Test
    void shouldKeepAtMostOneMebibyteOfWhatThisTaskWrote() {
        String big = "x".repeat(200_000);
        for (int i = 0; i < 5; i++) {
            lookup.written("acme/h" + i, entry(big, 1_000));
        }

        // each answer counts about 400 KB (two bytes per character): the two newest fit in 1 MiB
        assertThat(lookup.answer(POLICY, "acme/h2", 2_000)).isEmpty();
        assertThat(lookup.answer(POLICY, "acme/h3", 2_000)).isPresent();
        assertThat(lookup.answer(POLICY, "acme/h4", 2_000)).isPresent();
    }
}
