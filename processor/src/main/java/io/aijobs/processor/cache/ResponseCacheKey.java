package io.aijobs.processor.cache;

import io.aijobs.contracts.TopicCatalog;
import io.aijobs.schema.ChatMessage;
import io.aijobs.schema.JobRequest;
import io.aijobs.schema.TenantPolicy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/**
 * Where a job's answer is kept in its tenant's response cache: {@code <tenantId>/<requestHash>}, the hash a SHA-256 of
 * the tenant, the model, every message (role and content) and every field of the job's generation parameters, each
 * length-prefixed so that no two different requests encode alike. A field added to {@code JobParameters} is part of
 * the hash without a change here. The jobId, deadline, priority, trace and metadata are not: they do not change the
 * answer.
 */
public final class ResponseCacheKey {

    private static final byte[] VERSION = "aijobs-response-cache-v1".getBytes(StandardCharsets.UTF_8);

    private ResponseCacheKey() {
    }

    /**
     * The key of {@code job} if its tenant's {@code policy} keeps a response cache and the job may use it: a TTL is set
     * and, unless the policy allows any temperature, the job asks for temperature 0. Empty otherwise.
     */
    public static Optional<String> of(TenantPolicy policy, JobRequest job) {
        if (!enabled(policy)) {
            return Optional.empty();
        }
        Double temperature = job.getParameters() == null ? null : job.getParameters().getTemperature();
        if (!policy.getResponseCacheAnyTemperature() && (temperature == null || temperature != 0.0)) {
            return Optional.empty();
        }
        return Optional.of(job.getTenantId() + "/" + requestHash(job));
    }

    /**
     * Whether the policy keeps a response cache: a positive TTL of at most the cache topic's retention (7 days). A policy
     * written by other means with a longer one keeps none: its answers would outlive the topic that holds them.
     */
    public static boolean enabled(TenantPolicy policy) {
        Long ttl = policy == null ? null : policy.getResponseCacheTtlMs();
        return ttl != null && ttl > 0 && ttl <= TopicCatalog.RESPONSE_CACHE_RETENTION_MS;
    }

    /** The SHA-256 (lower-case hex) of the job's tenant, model, messages and generation parameters. */
    public static String requestHash(JobRequest job) {
        MessageDigest digest = sha256();
        digest.update(VERSION);
        put(digest, job.getTenantId());
        put(digest, job.getModel());
        digest.update(ByteBuffer.allocate(4).putInt(job.getMessages().size()).array());
        for (ChatMessage message : job.getMessages()) {
            put(digest, message.getRole());
            put(digest, message.getContent());
        }
        if (job.getParameters() != null) {
            for (Schema.Field field : job.getParameters().getSchema().getFields()) {
                put(digest, field.name());
                // Avro's JSON-like rendering: null, numbers, and lists of strings, quoted and escaped
                put(digest, GenericData.get().toString(job.getParameters().get(field.pos())));
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void put(MessageDigest digest, String text) {
        byte[] bytes = (text == null ? "" : text).getBytes(StandardCharsets.UTF_8);
        digest.update(ByteBuffer.allocate(5).put((byte) (text == null ? 0 : 1)).putInt(bytes.length).array());
        digest.update(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
