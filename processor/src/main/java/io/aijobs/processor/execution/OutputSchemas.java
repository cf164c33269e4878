package io.aijobs.processor.execution;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TenantTopics;
import io.aijobs.contracts.Topics;
import io.aijobs.serde.AvroSerde;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves, off the stream thread, the schema ids of a tenant's results and dead letters the first time this instance
 * takes in one of its jobs. Otherwise the serializer asks the registry on the stream thread when it writes the tenant's
 * first result, and every task of that thread waits: 92 ms in a B4 profile (2 cores), at the start of the other
 * tenant's burst, after each restart and for each new tenant. The first result comes at least one model call later,
 * by which time the id is usually known.
 *
 * <p>A failed lookup is logged at DEBUG and otherwise ignored: the serializer asks again when it writes, and fails
 * there as it always did (a registry that is down, a schema not registered while auto-registration is off).
 */
public final class OutputSchemas implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OutputSchemas.class);

    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final Consumer<TenantId> prepare;
    private final ExecutorService executor;

    private OutputSchemas(Consumer<TenantId> prepare, ExecutorService executor) {
        this.prepare = prepare;
        this.executor = executor;
    }

    /** Prepares the results' and dead letters' schema ids of each tenant, on one daemon thread of its own. */
    public static OutputSchemas of(Topics topics) {
        List<TenantTopics<String, ?>> kinds = List.of(topics.resultsOfTenants(), topics.deadLettersOfTenants());
        return new OutputSchemas(tenant -> kinds.forEach(kind -> {
            if (kind.valueSerde() instanceof AvroSerde<?> serde) {
                serde.prepare(kind.name(tenant));
            }
        }), Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "aijobs-output-schemas");
            thread.setDaemon(true);
            return thread;
        }));
    }

    /** Prepares nothing: the serializer asks the registry when it first writes (tests). */
    public static OutputSchemas none() {
        return new OutputSchemas(tenant -> { }, null);
    }

    /** A job of the tenant was taken in: on the first one, prepare its output schemas in the background. */
    public void seen(TenantId tenant) {
        if (executor == null || !seen.add(tenant.value())) {
            return;
        }
        try {
            executor.execute(() -> {
                try {
                    prepare.accept(tenant);
                } catch (RuntimeException e) {
                    log.debug("Could not prepare the output schemas of tenant {} ahead of its first result: {}", tenant.value(),
                            e.getMessage());
                }
            });
        } catch (RejectedExecutionException e) {
            // closing: the serializer resolves the ids when it writes
        }
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
