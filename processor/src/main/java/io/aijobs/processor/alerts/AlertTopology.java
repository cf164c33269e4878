package io.aijobs.processor.alerts;

import io.aijobs.application.StreamsTopics;
import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicNames;
import io.aijobs.contracts.Topics;
import io.aijobs.schema.Alert;
import io.aijobs.schema.JobEvent;
import io.aijobs.schema.JobEventType;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.state.AlertWindow;
import io.aijobs.serde.SingleObjectSerde;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The processor's failure alerts, as a sub-topology of its own:
 *
 * <pre>
 * platform.job-events (COMPLETED, RETRY_SCHEDULED) ─┐
 * tenant.*.dlt, platform.dlt (every dead letter) ───┴─ re-key by scope ─ repartition (alert-signals)
 *     └─ alert-evaluator (store alert-windows) ─┬─ platform.alerts
 *                                               └─ tenant.&lt;t&gt;.alerts (tenant alerts)
 * </pre>
 *
 * Dead letters are counted from the dead-letter topics rather than from events so that undecodable records, which
 * have no job and so no event, count too. Signals are plain strings on the repartition topic: no schema to register.
 */
public final class AlertTopology {

    public static final String WINDOWS_STORE = "alert-windows";
    public static final String EVALUATOR = "alert-evaluator";

    private AlertTopology() {
    }

    public static void addTo(StreamsBuilder builder, Topics topics, AlertRules rules) {
        KStream<String, String> fromEvents = builder
                .stream(topics.jobEvents().name(), StreamsTopics.consumed(topics.jobEvents(), "alert-events-source"))
                .flatMap((jobId, event) -> eventSignals(event), Named.as("alert-event-signals"));
        KStream<String, String> fromTenantDlts = builder
                .stream(topics.deadLettersOfTenants().pattern(), StreamsTopics.consumed(topics.deadLettersOfTenants(), "alert-dlt-source"))
                .flatMap((key, failure) -> failureSignals(failure), Named.as("alert-dlt-signals"));
        KStream<String, String> fromPlatformDlt = builder
                .stream(topics.platformDeadLetter().name(),
                        StreamsTopics.consumed(topics.platformDeadLetter(), "alert-platform-dlt-source"))
                .flatMap((key, failure) -> failureSignals(failure), Named.as("alert-platform-dlt-signals"));
        KStream<String, Alert> alerts = fromEvents
                .merge(fromTenantDlts, Named.as("alert-merge-dlt"))
                .merge(fromPlatformDlt, Named.as("alert-merge-platform-dlt"))
                .repartition(Repartitioned.with(Serdes.String(), Serdes.String()).withName("alert-signals"))
                .process(evaluator(rules, topics.names()), Named.as(EVALUATOR));
        alerts.to(topics.alerts().name(), StreamsTopics.produced(topics.alerts(), "platform-alerts-sink"));
        alerts.filter((key, alert) -> alert.getTenantId() != null && TenantId.isValid(alert.getTenantId()),
                        Named.as("tenant-alerts-filter"))
                .to((key, alert, context) -> topics.alertsOfTenants().name(TenantId.of(alert.getTenantId())),
                        StreamsTopics.produced(topics.alertsOfTenants(), "tenant-alerts-sink"));
    }

    private static ProcessorSupplier<String, String, String, Alert> evaluator(AlertRules rules, TopicNames names) {
        return new ProcessorSupplier<>() {
            @Override
            public AlertEvaluator get() {
                return new AlertEvaluator(rules, names);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(WINDOWS_STORE), Serdes.String(),
                        new SingleObjectSerde<>(AlertWindow.getEncoder(), AlertWindow.getDecoder(), "alert window")));
            }
        };
    }

    static List<KeyValue<String, String>> eventSignals(JobEvent event) {
        if (event == null || event.getTenantId() == null) {
            return List.of();
        }
        if (event.getType() == JobEventType.COMPLETED) {
            return List.of(KeyValue.pair(AlertEvaluator.TENANT_SCOPE + event.getTenantId(), AlertEvaluator.COMPLETED));
        }
        if (event.getType() == JobEventType.RETRY_SCHEDULED) {
            return List.of(KeyValue.pair(AlertEvaluator.TENANT_SCOPE + event.getTenantId(), AlertEvaluator.RETRY));
        }
        return List.of();
    }

    static List<KeyValue<String, String>> failureSignals(JobFailure failure) {
        if (failure == null) {
            return List.of();
        }
        List<KeyValue<String, String>> signals = new ArrayList<>(2);
        if (failure.getTenantId() != null) {
            signals.add(KeyValue.pair(AlertEvaluator.TENANT_SCOPE + failure.getTenantId(), AlertEvaluator.DEAD_LETTERED));
        }
        signals.add(KeyValue.pair(AlertEvaluator.CATEGORY_SCOPE + failure.getCategory().name(), AlertEvaluator.DEAD_LETTERED));
        return signals;
    }
}
