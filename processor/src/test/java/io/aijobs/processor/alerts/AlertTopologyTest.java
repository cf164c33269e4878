package io.aijobs.processor.alerts;

import io.aijobs.contracts.TenantId;
import io.aijobs.contracts.TopicCatalog;
import io.aijobs.testing.DriverTopics;
import io.aijobs.testing.InMemoryTopics;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.contracts.TopicNames;
import io.aijobs.contracts.Topics;
import io.aijobs.schema.Alert;
import io.aijobs.schema.AlertState;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobEvent;
import io.aijobs.schema.JobEventType;
import io.aijobs.schema.JobFailure;
import io.aijobs.schema.RecordOrigin;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The failure alerts: one FIRING per crossing, RESOLVED when the window drains, per tenant and per category. */
class AlertTopologyTest {

    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
    private static final TopicNames NAMES = TopicNames.defaults();
    // 60 s window; dlt_rate at 50% of at least 4 finished jobs; 3 dead letters per category; 3 retries per tenant
    private static final AlertRules RULES = new AlertRules(Duration.ofSeconds(60), new BigDecimal("0.5"), 4, 3, 3, Duration.ofSeconds(5));

    @TempDir
    Path stateDir;

    private final Topics topics = InMemoryTopics.of(TopicCatalog.of(NAMES));
    private TopologyTestDriver driver;
    private TestInputTopic<String, JobEvent> events;
    private TestInputTopic<String, JobFailure> acmeDlt;
    private TestInputTopic<String, JobFailure> globexDlt;
    private TestOutputTopic<String, Alert> alerts;
    private TestOutputTopic<String, Alert> acmeAlerts;
    private int sequence;

    @BeforeEach
    void start() {
        StreamsBuilder builder = new StreamsBuilder();
        AlertTopology.addTo(builder, topics, RULES);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "alerts-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(builder.build(), props, T0);
        events = DriverTopics.input(driver, topics.jobEvents());
        acmeDlt = DriverTopics.input(driver, topics.deadLetter(TenantId.of("acme")));
        globexDlt = DriverTopics.input(driver, topics.deadLetter(TenantId.of("globex")));
        alerts = DriverTopics.output(driver, topics.alerts());
        acmeAlerts = DriverTopics.output(driver, topics.tenantAlerts(TenantId.of("acme")));
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private void completed(String tenant) {
        String jobId = "j-" + sequence++;
        events.pipeInput(jobId, JobEvent.newBuilder().setJobId(jobId).setTenantId(tenant).setType(JobEventType.COMPLETED)
                .setAt(T0).build());
    }

    private void retried(String tenant) {
        String jobId = "j-" + sequence++;
        events.pipeInput(jobId, JobEvent.newBuilder().setJobId(jobId).setTenantId(tenant).setType(JobEventType.RETRY_SCHEDULED)
                .setAt(T0).setAttempt(1).setCategory(FailureCategory.TRANSIENT).build());
    }

    private void deadLettered(TestInputTopic<String, JobFailure> dlt, String tenant, FailureCategory category) {
        dlt.pipeInput("j-" + sequence++, JobFailure.newBuilder().setTenantId(tenant).setCategory(category).setErrorType("x")
                .setMessage("m").setAttempts(1).setFirstFailureAt(T0).setLastFailureAt(T0)
                .setOrigin(RecordOrigin.newBuilder().setTopic("t").setPartition(0).setOffset(0).build()).build());
    }

    @Test
    void shouldFireOnceWhenATenantsDeadLetterRateCrossesAndResolveWhenTheWindowDrains() {
        completed("acme");
        completed("acme");
        deadLettered(acmeDlt, "acme", FailureCategory.PERMANENT);
        assertThat(alerts.isEmpty()).as("3 finished jobs: below the minimum of 4").isTrue();

        deadLettered(acmeDlt, "acme", FailureCategory.PERMANENT);
        deadLettered(acmeDlt, "acme", FailureCategory.TRANSIENT);

        List<Alert> fired = acmeAlerts.readValuesToList();
        assertThat(fired).singleElement().satisfies(alert -> {
            assertThat(alert.getAlertKey()).isEqualTo("dlt-rate/tenant/acme");
            assertThat(alert.getState()).isEqualTo(AlertState.FIRING);
            assertThat(alert.getTenantId()).isEqualTo("acme");
            assertThat(alert.getSubject()).isEqualTo("tenant.acme.dlt");
            assertThat(alert.getObserved()).isEqualTo("0.5000");
            assertThat(alert.getThreshold()).isEqualTo("0.5");
            assertThat(alert.getAttributes()).containsEntry("dead_lettered", "2").containsEntry("finished", "4");
        });
        assertThat(alerts.readValuesToList()).extracting(Alert::getAlertKey).containsExactly("dlt-rate/tenant/acme");

        deadLettered(acmeDlt, "acme", FailureCategory.PERMANENT);
        assertThat(acmeAlerts.isEmpty()).as("still above: no second FIRING").isTrue();

        driver.advanceWallClockTime(Duration.ofSeconds(70));
        assertThat(acmeAlerts.readValuesToList()).singleElement().satisfies(alert -> {
            assertThat(alert.getState()).isEqualTo(AlertState.RESOLVED);
            assertThat(alert.getSince()).isEqualTo(fired.get(0).getSince());
        });
        driver.advanceWallClockTime(Duration.ofSeconds(70));
        assertThat(acmeAlerts.isEmpty()).isTrue();
    }

    @Test
    void shouldAlertOnACategoryAcrossTenantsOnThePlatformTopicOnly() {
        deadLettered(acmeDlt, "acme", FailureCategory.POISON);
        deadLettered(globexDlt, "globex", FailureCategory.POISON);
        assertThat(alerts.isEmpty()).isTrue();

        deadLettered(globexDlt, "globex", FailureCategory.POISON);

        assertThat(alerts.readValuesToList()).singleElement().satisfies(alert -> {
            assertThat(alert.getAlertKey()).isEqualTo("dlt-category/POISON");
            assertThat(alert.getType()).isEqualTo("dlt_category");
            assertThat(alert.getTenantId()).isNull();
            assertThat(alert.getObserved()).isEqualTo("3");
        });
        assertThat(acmeAlerts.isEmpty()).isTrue();
    }

    @Test
    void shouldRaiseACriticalAlertOnTheFirstSecurityDeadLetter() {
        deadLettered(acmeDlt, "acme", FailureCategory.SECURITY);

        assertThat(alerts.readValuesToList()).singleElement().satisfies(alert -> {
            assertThat(alert.getAlertKey()).isEqualTo("dlt-category/SECURITY");
            assertThat(alert.getSeverity()).isEqualTo(io.aijobs.schema.AlertSeverity.CRITICAL);
            assertThat(alert.getState()).isEqualTo(AlertState.FIRING);
        });
        deadLettered(acmeDlt, "acme", FailureCategory.SECURITY);
        assertThat(alerts.isEmpty()).as("once per crossing").isTrue();
    }

    @Test
    void shouldAlertWhenRetriesPileUp() {
        retried("acme");
        retried("acme");
        completed("acme");
        assertThat(acmeAlerts.isEmpty()).isTrue();

        retried("acme");

        assertThat(acmeAlerts.readValuesToList()).singleElement().satisfies(alert -> {
            assertThat(alert.getAlertKey()).isEqualTo("retry-backlog/tenant/acme");
            assertThat(alert.getState()).isEqualTo(AlertState.FIRING);
        });
    }
}
