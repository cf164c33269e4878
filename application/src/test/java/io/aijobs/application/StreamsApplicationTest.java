package io.aijobs.application;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class StreamsApplicationTest {

    private static Properties with(String key, String value) {
        Properties properties = new Properties();
        properties.put("application.id", "app");
        if (key != null) {
            properties.put(key, value);
        }
        return properties;
    }

    @Test
    void shouldTreatAnInstanceAsAStaticMemberOnlyWhenItsConsumersHaveAGroupInstanceId() {
        assertThat(StreamsApplication.isStaticMember(with(null, null))).isFalse();
        assertThat(StreamsApplication.isStaticMember(with("consumer.group.instance.id", "proc-1"))).isTrue();
        assertThat(StreamsApplication.isStaticMember(with("main.consumer.group.instance.id", "proc-1"))).isTrue();
        assertThat(StreamsApplication.isStaticMember(with("group.instance.id", "proc-1"))).isTrue();
        assertThat(StreamsApplication.isStaticMember(with("restore.consumer.group.instance.id", "proc-1")))
                .as("the restore consumer is in no group").isFalse();
    }
}
