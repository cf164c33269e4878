package io.aijobs.processor.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobParameters;
import io.aijobs.schema.JobPriority;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.TenantPolicy;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class ResponseCacheKeyTest {

    private static JobRequest.Builder job(String tenant) {
        return JobRequest.newBuilder().setJobId("j-1").setTenantId(tenant).setModel("m")
                .setMessages(List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "What is Kafka?")))
                .setParameters(JobParameters.newBuilder().setTemperature(0.0).build()).setSubmittedAt(Instant.EPOCH);
    }

    private static TenantPolicy policy(Long ttlMs, boolean anyTemperature) {
        return TenantPolicy.newBuilder().setTenantId("acme").setRetentionMs(1).setUpdatedAt(Instant.EPOCH)
                .setResponseCacheTtlMs(ttlMs).setResponseCacheAnyTemperature(anyTemperature).build();
    }

    @Test
    void shouldGiveTheSameRequestInTwoTenantsTwoKeysEachUnderItsTenant() {
        String acme = ResponseCacheKey.requestHash(job("acme").build());
        String globex = ResponseCacheKey.requestHash(job("globex").build());

        assertThat(acme).hasSize(64).isNotEqualTo(globex);
        assertThat(ResponseCacheKey.of(policy(1_000L, false), job("acme").build())).hasValue("acme/" + acme);
    }

    @Test
    void shouldIgnoreWhatDoesNotChangeTheAnswer() {
        JobRequest other = job("acme").setJobId("j-2").setSubmittedAt(Instant.parse("2026-01-01T00:00:00Z")).setTraceId("t")
                .setMetadata(Map.of("k", "v")).setPriority(JobPriority.BATCH).setDeadline(Instant.parse("2027-01-01T00:00:00Z")).build();

        assertThat(ResponseCacheKey.requestHash(other)).isEqualTo(ResponseCacheKey.requestHash(job("acme").build()));
    }

    @Test
    void shouldChangeWithTheModelEachMessageAndEveryGenerationParameter() {
        Set<String> hashes = new HashSet<>();
        hashes.add(ResponseCacheKey.requestHash(job("acme").build()));
        hashes.add(ResponseCacheKey.requestHash(job("acme").setModel("m2").build()));
        hashes.add(ResponseCacheKey.requestHash(job("acme").setMessages(List.of(new ChatMessage("user", "Be brief."),
                new ChatMessage("user", "What is Kafka?"))).build()));
        hashes.add(ResponseCacheKey.requestHash(job("acme").setMessages(List.of(new ChatMessage("system", "Be brief.What is Kafka?"))).build()));
        // the boundary between two messages counts: ("ab", "c") is not ("a", "bc")
        hashes.add(ResponseCacheKey.requestHash(job("acme").setMessages(List.of(new ChatMessage("system", "Be brief.W"),
                new ChatMessage("user", "hat is Kafka?"))).build()));
        int distinct = 5;
        // every field of JobParameters, set in turn, without naming them: a field added later is covered too
        for (Schema.Field field : JobParameters.getClassSchema().getFields()) {
            JobParameters parameters = JobParameters.newBuilder().setTemperature(0.0).build();
            parameters.put(field.pos(), sampleValue(field));
            hashes.add(ResponseCacheKey.requestHash(job("acme").setParameters(parameters).build()));
            distinct++;
        }

        assertThat(hashes).hasSize(distinct);
    }

    private static Object sampleValue(Schema.Field field) {
        Schema schema = field.schema().isUnion() ? field.schema().getTypes().stream()
                .filter(type -> type.getType() != Schema.Type.NULL).findFirst().orElseThrow() : field.schema();
        return switch (schema.getType()) {
            case INT -> 7;
            case LONG -> 7L;
            case DOUBLE -> 0.5;
            case FLOAT -> 0.5f;
            case STRING -> "x";
            case BOOLEAN -> true;
            case ARRAY -> List.of("x");
            default -> throw new AssertionError("give " + field.name() + " (" + schema.getType() + ") a sample value here");
        };
    }

    @Test
    void shouldKeyOnlyJobsOfTemperatureZeroUnlessThePolicyTakesAnyTemperature() {
        JobRequest cold = job("acme").build();
        JobRequest warm = job("acme").setParameters(JobParameters.newBuilder().setTemperature(0.7).build()).build();
        JobRequest unset = job("acme").setParameters(JobParameters.newBuilder().build()).build();

        assertThat(ResponseCacheKey.of(policy(1_000L, false), cold)).isPresent();
        assertThat(ResponseCacheKey.of(policy(1_000L, false), warm)).isEmpty();
        assertThat(ResponseCacheKey.of(policy(1_000L, false), unset)).as("no temperature: the service's default, 1 at OpenAI").isEmpty();
        assertThat(ResponseCacheKey.of(policy(1_000L, true), warm)).isPresent();
        assertThat(ResponseCacheKey.of(policy(1_000L, true), unset)).isPresent();
    }

    @Test
    void shouldKeyNothingWithoutAPositiveTtlOfAtMostSevenDays() {
        long sevenDays = java.time.Duration.ofDays(7).toMillis();
        assertThat(ResponseCacheKey.of(null, job("acme").build())).isEmpty();
        assertThat(ResponseCacheKey.of(policy(null, true), job("acme").build())).isEmpty();
        assertThat(ResponseCacheKey.of(policy(0L, true), job("acme").build())).isEmpty();
        // policies written by another tool than tenant create, which refuses these
        assertThat(ResponseCacheKey.of(policy(-5L, true), job("acme").build())).isEmpty();
        assertThat(ResponseCacheKey.of(policy(sevenDays + 1, true), job("acme").build())).as("longer than the cache topic keeps answers")
                .isEmpty();
        assertThat(ResponseCacheKey.of(policy(sevenDays, true), job("acme").build())).isPresent();
        assertThat(ResponseCacheKey.of(policy(1L, true), job("acme").build())).isPresent();
    }
}
