package io.aijobs.contracts;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The names of every topic of the platform: a public contract, documented in the README.
 *
 * <p>Tenant-facing topics are {@code <tenantPrefix><tenantId>.<kind>} (default prefix {@code tenant.}), so a
 * broker ACL on the prefix {@code tenant.<tenantId>.} (ending with the separator) grants a tenant its own topics and
 * nothing else. Platform-internal topics are {@code <platformPrefix><name>} (default {@code platform.}).
 *
 * <p>Both prefixes are configurable so that several environments, or tests, can share one cluster.
 */
public record TopicNames(String tenantPrefix, String platformPrefix) {

    public static final String DEFAULT_TENANT_PREFIX = "tenant.";
    public static final String DEFAULT_PLATFORM_PREFIX = "platform.";

    /** Tenant-facing topic kinds. */
    public enum TenantTopic {
        /** Jobs published by upstream systems ({@code JobRequest}, key jobId). */
        JOBS("jobs"),
        /** Results, written exactly once per job ({@code JobResult}, key jobId). */
        RESULTS("results"),
        /** Dead letters of this tenant ({@code JobFailure}, key jobId or null). */
        DLT("dlt"),
        /** Alerts about this tenant ({@code Alert}, key alertKey). */
        ALERTS("alerts");

        private final String suffix;

        TenantTopic(String suffix) {
            this.suffix = suffix;
        }

        public String suffix() {
            return suffix;
        }
    }

    public TopicNames {
        requirePrefix(tenantPrefix, "tenantPrefix");
        requirePrefix(platformPrefix, "platformPrefix");
        if (tenantPrefix.startsWith(platformPrefix) || platformPrefix.startsWith(tenantPrefix)) {
            throw new IllegalArgumentException("tenant and platform topic prefixes must not contain one another: '"
                    + tenantPrefix + "', '" + platformPrefix + "'");
        }
    }

    private static void requirePrefix(String prefix, String name) {
        Objects.requireNonNull(prefix, name);
        if (!prefix.matches("[a-zA-Z0-9._-]+\\.")) {
            throw new IllegalArgumentException(name + " must be a topic-name prefix ending with '.', got '" + prefix + "'");
        }
    }

    public static TopicNames defaults() {
        return new TopicNames(DEFAULT_TENANT_PREFIX, DEFAULT_PLATFORM_PREFIX);
    }

    public String tenantTopic(TenantId tenant, TenantTopic kind) {
        return tenantPrefix + tenant.value() + "." + kind.suffix();
    }

    /** {@code tenant.<id>.jobs}. */
    public String jobs(TenantId tenant) {
        return tenantTopic(tenant, TenantTopic.JOBS);
    }

    /** {@code tenant.<id>.results}. */
    public String results(TenantId tenant) {
        return tenantTopic(tenant, TenantTopic.RESULTS);
    }

    /** {@code tenant.<id>.dlt}. */
    public String deadLetter(TenantId tenant) {
        return tenantTopic(tenant, TenantTopic.DLT);
    }

    /** {@code tenant.<id>.alerts}. */
    public String tenantAlerts(TenantId tenant) {
        return tenantTopic(tenant, TenantTopic.ALERTS);
    }

    /** The ACL prefix that covers exactly one tenant's topics: {@code tenant.<id>.}. */
    public String tenantAclPrefix(TenantId tenant) {
        return tenantPrefix + tenant.value() + ".";
    }

    /** Matches every tenant's jobs topic, for pattern subscription. */
    public Pattern jobsPattern() {
        return tenantPattern(TenantTopic.JOBS);
    }

    public Pattern tenantPattern(TenantTopic kind) {
        return Pattern.compile(Pattern.quote(tenantPrefix) + "([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)" + Pattern.quote("." + kind.suffix()));
    }

    /** The tenant that owns {@code topic}, if it is a tenant topic of {@code kind}. */
    public Optional<TenantId> tenantOf(String topic, TenantTopic kind) {
        // called per record: plain string checks rather than compiling tenantPattern(kind)
        int suffixLength = kind.suffix().length() + 1;
        if (!topic.startsWith(tenantPrefix) || topic.length() <= tenantPrefix.length() + suffixLength
                || !topic.endsWith(kind.suffix()) || topic.charAt(topic.length() - suffixLength) != '.') {
            return Optional.empty();
        }
        String tenant = topic.substring(tenantPrefix.length(), topic.length() - suffixLength);
        return TenantId.isValid(tenant) ? Optional.of(TenantId.of(tenant)) : Optional.empty();
    }

    /** {@code platform.usage}: one {@code ModelCallUsage} per model-call attempt, key tenantId. */
    public String usage() {
        return platformPrefix + "usage";
    }

    /** {@code platform.job-events}: {@code JobEvent} lifecycle records, key jobId. */
    public String jobEvents() {
        return platformPrefix + "job-events";
    }

    /** {@code platform.alerts}: every {@code Alert}, key alertKey. */
    public String alerts() {
        return platformPrefix + "alerts";
    }

    /** {@code platform.prices}: {@code ModelPrice} entries, compacted, key {@code <model>@<effectiveFrom>}. */
    public String prices() {
        return platformPrefix + "prices";
    }

    /**
     * {@code platform.response-cache}: {@code ResponseCacheEntry}s of the tenants' response caches, compacted and deleted
     * by age, key {@code <tenantId>/<requestHash>}; the processor's only.
     */
    public String responseCache() {
        return platformPrefix + "response-cache";
    }

    /** {@code platform.usage-aggregates}: {@code UsageAggregate}s, compacted, key aggregateKey. */
    public String usageAggregates() {
        return platformPrefix + "usage-aggregates";
    }

    /** {@code platform.tenant-spend}: {@code TenantSpend} per tenant, compacted, key tenantId. */
    public String tenantSpend() {
        return platformPrefix + "tenant-spend";
    }

    /** {@code platform.tenant-policies}: {@code TenantPolicy} per tenant, compacted, key tenantId; written by tenant provisioning. */
    public String tenantPolicies() {
        return platformPrefix + "tenant-policies";
    }

    /** {@code platform.dlt}: {@code JobFailure}s whose tenant could not be determined. */
    public String platformDeadLetter() {
        return platformPrefix + "dlt";
    }

    /** {@code platform.retry.<tier>}: {@code JobRetry} records, one per scheduled retry, key jobId. */
    public String retry(String tier) {
        if (!tier.matches("[a-z0-9-]+")) {
            throw new IllegalArgumentException("retry tier must be lower-case letters, digits or hyphens, got '" + tier + "'");
        }
        return platformPrefix + "retry." + tier;
    }
}
