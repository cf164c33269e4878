package io.aijobs.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aijobs.schema.JobRequest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class JobJsonTest {

    private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");
    private final JobJson json = new JobJson(Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void shouldParseEveryField() {
        JobRequest job = json.parse("{\"jobId\":\"j-1\",\"tenantId\":\"acme\",\"model\":\"m\","
                + "\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"maxOutputTokens\":32,\"temperature\":0.5,\"topP\":0.9,\"stop\":[\"END\"],\"seed\":7,"
                + "\"deadline\":\"2026-11-27T11:00:00Z\",\"traceId\":\"t-1\",\"metadata\":{\"k\":\"v\"},\"priority\":\"batch\"}");

        assertThat(job.getJobId()).isEqualTo("j-1");
        assertThat(job.getPriority()).isEqualTo(io.aijobs.schema.JobPriority.BATCH);
        assertThat(job.getMessages()).hasSize(2);
        assertThat(job.getParameters().getMaxOutputTokens()).isEqualTo(32);
        assertThat(job.getParameters().getStop()).containsExactly("END");
        assertThat(job.getSubmittedAt()).isEqualTo(NOW);
        assertThat(job.getDeadline()).isEqualTo(Instant.parse("2026-11-27T11:00:00Z"));
        assertThat(job.getMetadata()).containsEntry("k", "v");
    }

    @Test
    void shouldNameWhatIsWrong() {
        assertThatThrownBy(() -> json.parse("{\"jobId\":\"j\""))
                .hasMessageStartingWith("invalid JSON");
        assertThatThrownBy(() -> json.parse("[1]")).hasMessage("expected a JSON object");
        assertThatThrownBy(() -> json.parse("{\"jobId\":\"j\",\"model\":\"m\",\"messages\":[]}"))
                .hasMessage("missing field 'tenantId'");
        assertThatThrownBy(() -> json.parse("{\"jobId\":\"j\",\"tenantId\":\"a\",\"model\":\"m\",\"messages\":[],\"temprature\":1}"))
                .hasMessageStartingWith("unknown field 'temprature'");
        assertThatThrownBy(() -> json.parse("{\"jobId\":\"j\",\"tenantId\":\"a\",\"model\":\"m\",\"messages\":[],\"deadline\":\"tomorrow\"}"))
                .hasMessageContaining("field 'deadline' must be an ISO-8601 instant");
        assertThatThrownBy(() -> json.parse("{\"jobId\":\"j\",\"tenantId\":\"a\",\"model\":\"m\",\"messages\":[],\"maxOutputTokens\":1.5}"))
                .hasMessage("field 'maxOutputTokens' must be an integer");
        assertThatThrownBy(() -> json.parse("{\"jobId\":\"j\",\"tenantId\":\"a\",\"model\":\"m\",\"messages\":[],\"priority\":\"urgent\"}"))
                .hasMessage("field 'priority' must be \"interactive\" or \"batch\", got 'urgent'");
        assertThat(json.parse("{\"jobId\":\"j\",\"tenantId\":\"a\",\"model\":\"m\",\"messages\":[]}").getPriority())
                .isEqualTo(io.aijobs.schema.JobPriority.INTERACTIVE);
    }
}
