package io.aijobs.application;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class BoundedTagsTest {

    @Test
    void shouldKeepTheFirstValuesUpToTheLimitAndTagTheRestOther() {
        BoundedTags tags = new BoundedTags(2);

        assertThat(tags.tag("acme")).isEqualTo("acme");
        assertThat(tags.tag("globex")).isEqualTo("globex");
        assertThat(tags.tag("initech")).isEqualTo(BoundedTags.OTHER);
        assertThat(tags.tag("acme")).as("a value seen before keeps its tag").isEqualTo("acme");
    }

    @Test
    void shouldHoldTheLimitExactlyWhenManyThreadsTagAtOnce() throws Exception {
        BoundedTags tags = new BoundedTags(10);
        Set<String> own = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int offset = t * 100;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 100; i++) {
                    String tag = tags.tag("model-" + (offset + i));
                    if (!tag.equals(BoundedTags.OTHER)) {
                        own.add(tag);
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join(10_000);
        }

        assertThat(own).hasSize(10);
    }
}
