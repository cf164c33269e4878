package io.aijobs.costs;

import io.aijobs.contracts.TopicCatalog;
import io.aijobs.testing.DriverTopics;
import io.aijobs.testing.InMemoryTopics;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.contracts.TopicNames;
import io.aijobs.contracts.Topics;
import io.aijobs.pricing.PriceBook;
import io.aijobs.schema.Alert;
import io.aijobs.schema.AggregateStatus;
import io.aijobs.schema.CallOutcome;
import io.aijobs.schema.Cost;
import io.aijobs.schema.ModelCallUsage;
import io.aijobs.schema.ModelPrice;
import io.aijobs.schema.TenantSpend;
import io.aijobs.schema.UsageAggregate;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Windows, grace, late records, the month boundary, prices and budgets, on TopologyTestDriver. */
class UsageAggregatorTest {

    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
    private static final TopicNames NAMES = TopicNames.defaults();
    private static final long USD = 1_000_000_000L;

    @TempDir
    Path stateDir;

    private final Topics topics = InMemoryTopics.of(TopicCatalog.of(NAMES));
    private TopologyTestDriver driver;
    private TestInputTopic<String, ModelCallUsage> usage;
    private TestInputTopic<String, ModelPrice> prices;
    private TestOutputTopic<String, UsageAggregate> aggregates;
    private TestOutputTopic<String, TenantSpend> spend;
    private TestOutputTopic<String, Alert> alerts;
    private TestOutputTopic<String, Alert> acmeAlerts;
    private int calls;

    @BeforeEach
    void start() {
        // 1-minute and 1-hour windows, 30 s grace, PARTIAL every 5 s; acme's budget 1.00 USD, hard limit at 100%; idle
        // windows close by the wall clock 10 minutes after their end plus grace
        AggregatorSettings settings = new AggregatorSettings(List.of(WindowSpec.tumbling(Duration.ofMinutes(1)),
                WindowSpec.tumbling(Duration.ofHours(1)), WindowSpec.month()),
                Duration.ofSeconds(30), Duration.ofSeconds(5), Map.of("acme", USD), Optional.empty(), List.of(50, 80, 100), 100,
                Duration.ofMinutes(10));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "aggregator-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(AggregatorTopology.build(settings, topics, PriceBook.empty()), props, T0);
        usage = DriverTopics.input(driver, topics.usage());
        prices = DriverTopics.input(driver, topics.prices());
        aggregates = DriverTopics.output(driver, topics.usageAggregates());
        spend = DriverTopics.output(driver, topics.tenantSpend());
        alerts = DriverTopics.output(driver, topics.alerts());
        acmeAlerts = DriverTopics.output(driver, topics.tenantAlerts(io.aijobs.contracts.TenantId.of("acme")));
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private void call(String tenant, String model, Instant completedAt, long costNanos, boolean producedResult, CallOutcome outcome,
                      int attempt, long latencyMs) {
        Cost cost = Cost.newBuilder().setAmountNanos(costNanos).setCurrency("USD").setPricingVersion(costNanos < 0 ? null : "v1")
                .setPriced(costNanos >= 0).build();
        if (costNanos < 0) {
            cost.setAmountNanos(0);
        }
        int n = calls++;
        ModelCallUsage record = ModelCallUsage.newBuilder().setCallId("c-" + n).setJobId("j-" + n).setTenantId(tenant).setModel(model)
                .setAttempt(attempt).setOutcome(outcome).setInputTokens(100).setOutputTokens(50).setCost(cost)
                .setProducedResult(producedResult).setStartedAt(completedAt.minusMillis(latencyMs)).setCompletedAt(completedAt)
                .setLatencyMs(latencyMs).setJobSubmittedAt(completedAt.minusMillis(latencyMs + 10)).build();
        usage.pipeInput(tenant, record, completedAt);
    }

    private void success(String tenant, Instant at, long costNanos, long latencyMs) {
        call(tenant, "m", at, costNanos, true, CallOutcome.SUCCESS, 1, latencyMs);
    }

    private Map<String, UsageAggregate> latest() {
        return aggregates.readValuesToList().stream().collect(Collectors.toMap(UsageAggregate::getAggregateKey, Function.identity(),
                (a, b) -> b));
    }

    @Test
    void shouldCloseIdleWindowsByTheWallClockOnceAndCountALaterRecordForThemAsLate() {
        success("acme", T0.plusSeconds(10), 1_000, 100);
        driver.advanceWallClockTime(Duration.ofSeconds(5));
        assertThat(latest().get("PT1M/2026-11-27T10:00:00Z/acme/*").getStatus()).isEqualTo(AggregateStatus.PARTIAL);

        // no more usage: by 10:11:30 (end 10:01 + grace 30 s + idle close 10 min) and the next emit, the minute closes
        driver.advanceWallClockTime(Duration.ofMinutes(11).plusSeconds(25));
        Map<String, UsageAggregate> closed = latest();
        assertThat(closed.get("PT1M/2026-11-27T10:00:00Z/acme/*").getStatus()).isEqualTo(AggregateStatus.FINAL);
        assertThat(closed.get("PT1M/2026-11-27T10:00:00Z/acme/*").getCostNanos()).isEqualTo(1_000);
        assertThat(closed.values()).filteredOn(aggregate -> aggregate.getAggregateKey().startsWith("PT1H/"))
                .as("the hour is not over").noneMatch(aggregate -> aggregate.getStatus() == AggregateStatus.FINAL);

        // closed once: more emits write nothing for it
        driver.advanceWallClockTime(Duration.ofMinutes(1));
        assertThat(latest()).doesNotContainKey("PT1M/2026-11-27T10:00:00Z/acme/*");

        // a record for the closed minute now is late for it and goes into the hour, still open
        success("acme", T0.plusSeconds(50), 2_000, 100);
        driver.advanceWallClockTime(Duration.ofSeconds(5));
        Map<String, UsageAggregate> after = latest();
        assertThat(after).doesNotContainKey("PT1M/2026-11-27T10:00:00Z/acme/*");
        assertThat(after.get("PT1H/2026-11-27T10:00:00Z/acme/*").getStatus()).isEqualTo(AggregateStatus.PARTIAL);
        assertThat(after.get("PT1H/2026-11-27T10:00:00Z/acme/*").getCostNanos()).isEqualTo(3_000);
    }

    @Test
    void shouldNotCloseWindowsByTheWallClockWhileRecordsKeepArriving() {
        // a backlog: records of 10:00 keep arriving, one a minute, while the wall clock runs 12 minutes past the minute's
        // end plus grace plus idle close
        for (int minute = 0; minute < 23; minute++) {
            success("acme", T0.plusSeconds(10 + minute), 1_000, 100);
            driver.advanceWallClockTime(Duration.ofMinutes(1));
        }
        Map<String, UsageAggregate> during = latest();
        assertThat(during.get("PT1M/2026-11-27T10:00:00Z/acme/*").getStatus()).isEqualTo(AggregateStatus.PARTIAL);
        assertThat(during.get("PT1M/2026-11-27T10:00:00Z/acme/*").getCostNanos()).isEqualTo(23_000);

        // the input goes quiet: after the idle close and the next emit, the minute closes with every record in it
        driver.advanceWallClockTime(Duration.ofMinutes(10).plusSeconds(5));
        UsageAggregate closed = latest().get("PT1M/2026-11-27T10:00:00Z/acme/*");
        assertThat(closed.getStatus()).isEqualTo(AggregateStatus.FINAL);
        assertThat(closed.getCostNanos()).isEqualTo(23_000);
        assertThat(closed.getLateEvents()).isZero();
    }

    @Test
    void shouldWritePartialsWhileOpenAndOneFinalWhenStreamTimePassesTheGrace() {
        success("acme", T0.plusSeconds(10), 1_000, 100);
        success("acme", T0.plusSeconds(20), 2_000, 300);
        call("acme", "m", T0.plusSeconds(30), 500, false, CallOutcome.SERVER_ERROR, 1, 50);
        assertThat(aggregates.isEmpty()).isTrue();

        driver.advanceWallClockTime(Duration.ofSeconds(5));
        Map<String, UsageAggregate> partial = latest();
        assertThat(partial).containsKeys("PT1M/2026-11-27T10:00:00Z/acme/*", "PT1M/2026-11-27T10:00:00Z/acme/m",
                "month/2026-11-01T00:00:00Z/acme/*", "month/2026-11-01T00:00:00Z/acme/m");
        assertThat(partial.get("PT1M/2026-11-27T10:00:00Z/acme/*").getStatus()).isEqualTo(AggregateStatus.PARTIAL);

        // stream time reaches the window's end plus grace: 10:01:30
        success("acme", T0.plusSeconds(90), 7, 10);

        UsageAggregate minute = latest().get("PT1M/2026-11-27T10:00:00Z/acme/*");
        assertThat(minute.getStatus()).isEqualTo(AggregateStatus.FINAL);
        assertThat(minute.getCalls()).isEqualTo(3);
        assertThat(minute.getJobsSucceeded()).isEqualTo(2);
        assertThat(minute.getCostNanos()).isEqualTo(3_500);
        assertThat(minute.getRetryCostNanos()).isEqualTo(500);
        assertThat(minute.getCallsFailedByCategory()).containsEntry("TRANSIENT", 1L);
        assertThat(minute.getInputTokens()).isEqualTo(300);
        assertThat(minute.getModelLatencyMs().getCount()).isEqualTo(3);
        assertThat(minute.getModelLatencyMs().getMax()).isBetween(299L, 301L);
        Histogram sketch = Histogram.decodeFromByteBuffer(minute.getModelLatencyMs().getSketch(), 0);
        assertThat(sketch.getTotalCount()).isEqualTo(3);
        assertThat(minute.getJobDurationMs().getCount()).isEqualTo(2);
        driver.advanceWallClockTime(Duration.ofSeconds(5));
        assertThat(latest()).doesNotContainKey("PT1M/2026-11-27T10:00:00Z/acme/*");
    }

    @Test
    void shouldCountARecordBeyondGraceAsLateInsteadOfDroppingIt() {
        success("acme", T0.plusSeconds(10), 1_000, 100);
        success("acme", T0.plusSeconds(200), 1_000, 100);
        aggregates.readValuesToList();

        // belongs to 10:00, closed since 10:01:30
        success("acme", T0.plusSeconds(15), 1_000, 100);
        driver.advanceWallClockTime(Duration.ofSeconds(5));

        Map<String, UsageAggregate> latest = latest();
        assertThat(latest).doesNotContainKey("PT1M/2026-11-27T10:00:00Z/acme/*");
        UsageAggregate month = latest.get("month/2026-11-01T00:00:00Z/acme/*");
        // the month window itself was still open: the record counts there, marked late
        assertThat(month.getLateEvents()).isEqualTo(1);
        assertThat(month.getCalls()).isEqualTo(3);
    }

    @Test
    void shouldRollMinutesUpIntoHoursMonthsAndTotalsWithMergedSketches() {
        call("acme", "m1", T0.plusSeconds(10), 1_000, true, CallOutcome.SUCCESS, 1, 100);
        call("acme", "m2", T0.plusSeconds(20), 2_000, false, CallOutcome.RATE_LIMITED, 1, 200);
        call("acme", "m1", T0.plusSeconds(70), 4_000, true, CallOutcome.SUCCESS, 2, 300);
        // stream time 10:02:40: the 10:00 minute has closed and been rolled up, the 10:01 and 10:02 minutes are open
        call("acme", "m1", T0.plusSeconds(160), 8_000, true, CallOutcome.SUCCESS, 1, 400);
        // its minute closed, its hour is open: it goes straight into the hour and the month
        call("acme", "m2", T0.plusSeconds(5), 16_000, true, CallOutcome.SUCCESS, 1, 500);

        driver.advanceWallClockTime(Duration.ofSeconds(5));
        Map<String, UsageAggregate> partial = latest();
        UsageAggregate hour = partial.get("PT1H/2026-11-27T10:00:00Z/acme/*");
        assertThat(hour.getStatus()).isEqualTo(AggregateStatus.PARTIAL);
        assertThat(hour.getCalls()).as("closed and open minutes, and the late record").isEqualTo(5);
        assertThat(hour.getCostNanos()).isEqualTo(31_000);
        assertThat(partial.get("PT1H/2026-11-27T10:00:00Z/acme/m1").getCostNanos()).isEqualTo(13_000);
        assertThat(partial.get("month/2026-11-01T00:00:00Z/acme/m2").getCallsFailedByCategory()).containsEntry("RATE_LIMITED", 1L);
        assertThat(partial.get("PT1M/2026-11-27T10:01:00Z/acme/*").getCalls()).as("tenant total of an open minute").isEqualTo(1);

        // stream time passes 11:00:30: every minute of the hour, then the hour, close
        success("acme", Instant.parse("2026-11-27T11:00:31Z"), 1, 10);
        Map<String, UsageAggregate> closed = new java.util.HashMap<>(partial);
        closed.putAll(latest());
        UsageAggregate finalHour = closed.get("PT1H/2026-11-27T10:00:00Z/acme/*");
        assertThat(finalHour.getStatus()).isEqualTo(AggregateStatus.FINAL);
        assertThat(finalHour.getCalls()).isEqualTo(5);
        assertThat(finalHour.getJobsSucceeded()).isEqualTo(4);
        assertThat(finalHour.getCostNanos()).isEqualTo(31_000);
        assertThat(finalHour.getRetryCostNanos()).isEqualTo(2_000);
        assertThat(finalHour.getModelLatencyMs().getCount()).isEqualTo(5);
        assertThat(finalHour.getModelLatencyMs().getP50()).isBetween(299L, 301L);
        assertThat(finalHour.getModelLatencyMs().getMax()).isBetween(499L, 501L);
        Histogram merged = new Histogram(3_600_000L, 2);
        for (String minute : List.of("PT1M/2026-11-27T10:00:00Z/acme/*", "PT1M/2026-11-27T10:01:00Z/acme/*",
                "PT1M/2026-11-27T10:02:00Z/acme/*")) {
            assertThat(closed.get(minute).getStatus()).isEqualTo(AggregateStatus.FINAL);
            merged.add(Histogram.decodeFromByteBuffer(closed.get(minute).getModelLatencyMs().getSketch(), 0));
        }
        merged.recordValue(500);
        Histogram hourSketch = Histogram.decodeFromByteBuffer(finalHour.getModelLatencyMs().getSketch(), 0);
        assertThat(hourSketch).as("the hour's sketch is the merge of its minutes' and the late record").isEqualTo(merged);
        assertThat(closed.get("month/2026-11-01T00:00:00Z/acme/*").getStatus()).isEqualTo(AggregateStatus.PARTIAL);
    }

    @Test
    void shouldSplitWindowsAndSpendAtTheMonthBoundary() {
        success("globex", Instant.parse("2026-11-30T23:59:50Z"), 10, 10);
        success("globex", Instant.parse("2026-12-01T00:00:10Z"), 20, 10);
        driver.advanceWallClockTime(Duration.ofSeconds(5));

        Map<String, UsageAggregate> latest = latest();
        assertThat(latest.get("month/2026-11-01T00:00:00Z/globex/*").getCostNanos()).isEqualTo(10);
        assertThat(latest.get("month/2026-12-01T00:00:00Z/globex/*").getCostNanos()).isEqualTo(20);
        assertThat(spend.readValuesToList()).extracting(TenantSpend::getPeriod, TenantSpend::getSpentNanos)
                .contains(org.assertj.core.groups.Tuple.tuple("2026-11", 10L), org.assertj.core.groups.Tuple.tuple("2026-12", 20L));
    }

    @Test
    void shouldPriceUnpricedCallsWithThePriceInEffectAtTheirTimeAndAlertWhenThereIsNone() {
        Instant change = T0.plusSeconds(30);
        prices.pipeInput("m2@" + T0.minusSeconds(3600), ModelPrice.newBuilder().setModel("m2").setEffectiveFrom(T0.minusSeconds(3600))
                .setInputPerMillion("1.00").setOutputPerMillion("2.00").setVersion("v1").build());
        prices.pipeInput("m2@" + change, ModelPrice.newBuilder().setModel("m2").setEffectiveFrom(change)
                .setInputPerMillion("10.00").setOutputPerMillion("20.00").setVersion("v2").build());

        call("acme", "m2", T0.plusSeconds(10), -1, true, CallOutcome.SUCCESS, 1, 10);
        call("acme", "m2", T0.plusSeconds(40), -1, true, CallOutcome.SUCCESS, 1, 10);
        call("acme", "nameless", T0.plusSeconds(41), -1, true, CallOutcome.SUCCESS, 1, 10);
        call("acme", "nameless", T0.plusSeconds(42), -1, true, CallOutcome.SUCCESS, 1, 10);
        driver.advanceWallClockTime(Duration.ofSeconds(5));

        Map<String, UsageAggregate> latest = latest();
        // 100 in + 50 out: 200,000 nanos at 1.00/2.00 per million, 2,000,000 at 10.00/20.00
        assertThat(latest.get("PT1M/2026-11-27T10:00:00Z/acme/m2").getCostNanos()).isEqualTo(200_000 + 2_000_000);
        assertThat(latest.get("PT1M/2026-11-27T10:00:00Z/acme/nameless").getUnpricedCalls()).isEqualTo(2);
        assertThat(latest.get("PT1M/2026-11-27T10:00:00Z/acme/nameless").getCostNanos()).isZero();
        assertThat(alerts.readValuesToList()).extracting(Alert::getAlertKey).containsExactly("unpriced-model/acme/nameless");
    }

    private void cachedCall(String tenant, Instant completedAt, Cost cost, int inputTokens, int cachedInputTokens, long savedNanos) {
        int n = calls++;
        usage.pipeInput(tenant, ModelCallUsage.newBuilder().setCallId("c-" + n).setJobId("j-" + n).setTenantId(tenant).setModel("m")
                .setAttempt(1).setOutcome(CallOutcome.SUCCESS).setInputTokens(inputTokens).setCachedInputTokens(cachedInputTokens)
                .setOutputTokens(50).setCost(cost).setPromptCacheSavedNanos(savedNanos).setProducedResult(true)
                .setStartedAt(completedAt.minusMillis(10)).setCompletedAt(completedAt).setLatencyMs(10)
                .setJobSubmittedAt(completedAt.minusMillis(20)).build(), completedAt);
    }

    private static Cost priced(long nanos) {
        return Cost.newBuilder().setAmountNanos(nanos).setCurrency("USD").setPricingVersion("v1").setPriced(true).build();
    }

    @Test
    void shouldSumCachedTokensAndPromptCacheSavingsIntoEveryWindowAndCountOnlyWhatWasSpentAgainstTheBudget() {
        cachedCall("acme", T0.plusSeconds(10), priced(5_564_900), 20_212, 16_298, 7_334_100);
        cachedCall("acme", T0.plusSeconds(20), priced(1_000), 100, 0, 0);
        // its minute is closed when stream time passes 10:01:30: the closed minute rolls up into the hour
        cachedCall("acme", T0.plusSeconds(95), priced(2_000), 3_000, 1_024, 460_800);
        driver.advanceWallClockTime(Duration.ofSeconds(5));

        Map<String, UsageAggregate> latest = latest();
        UsageAggregate minute = latest.get("PT1M/2026-11-27T10:00:00Z/acme/m");
        assertThat(minute.getCachedInputTokens()).isEqualTo(16_298);
        assertThat(minute.getPromptCacheSavedNanos()).isEqualTo(7_334_100);
        for (String key : List.of("PT1H/2026-11-27T10:00:00Z/acme/*", "PT1H/2026-11-27T10:00:00Z/acme/m", "month/2026-11-01T00:00:00Z/acme/*")) {
            assertThat(latest.get(key).getInputTokens()).as(key).isEqualTo(23_312);
            assertThat(latest.get(key).getCachedInputTokens()).as(key).isEqualTo(17_322);
            assertThat(latest.get(key).getCostNanos()).as(key).isEqualTo(5_567_900);
            assertThat(latest.get(key).getPromptCacheSavedNanos()).as(key).isEqualTo(7_794_900);
        }
        assertThat(spend.readValuesToList()).last().extracting(TenantSpend::getSpentNanos).isEqualTo(5_567_900L);
    }

    @Test
    void shouldCountACacheHitAndItsSavingApartFromTheCallsFigures() {
        success("acme", T0.plusSeconds(5), 2_000_000, 100);
        Instant at = T0.plusSeconds(10);
        usage.pipeInput("acme", ModelCallUsage.newBuilder().setCallId("hit-0").setJobId("hit").setTenantId("acme").setModel("m")
                .setAttempt(0).setOutcome(CallOutcome.CACHE_HIT).setInputTokens(0).setOutputTokens(0).setCost(priced(0))
                .setResponseCacheSavedNanos(2_000_000).setProducedResult(true).setStartedAt(at).setCompletedAt(at).setLatencyMs(0)
                .setJobSubmittedAt(at.minusMillis(30)).build(), at);
        driver.advanceWallClockTime(Duration.ofSeconds(5));

        Map<String, UsageAggregate> latest = latest();
        for (String key : List.of("PT1M/2026-11-27T10:00:00Z/acme/m", "month/2026-11-01T00:00:00Z/acme/*")) {
            UsageAggregate window = latest.get(key);
            assertThat(window.getCalls()).as(key).isEqualTo(1);
            assertThat(window.getJobsStarted()).as(key).isEqualTo(1);
            assertThat(window.getCacheHits()).as(key).isEqualTo(1);
            assertThat(window.getJobsSucceeded()).as(key + ": calls that produced a result").isEqualTo(1);
            assertThat(window.getResponseCacheSavedNanos()).as(key).isEqualTo(2_000_000);
            assertThat(window.getCostNanos()).as(key).isEqualTo(2_000_000);
            assertThat(window.getModelLatencyMs().getCount()).as(key + ": model latency of calls only").isEqualTo(1);
            assertThat(window.getJobDurationMs().getCount()).as(key + ": over calls that produced a result").isEqualTo(1);
            assertThat(window.getCallsFailedByCategory()).as(key).isEmpty();
        }
    }

    @Test
    void shouldPriceTheCachedTokensOfAnUnpricedCallAtTheCachedPriceInEffect() {
        prices.pipeInput("m@" + T0.minusSeconds(3600), ModelPrice.newBuilder().setModel("m").setEffectiveFrom(T0.minusSeconds(3600))
                .setInputPerMillion("0.50").setOutputPerMillion("3.00").setCachedInputPerMillion("0.05").setVersion("v1").build());
        Cost unpriced = Cost.newBuilder().setAmountNanos(0).setCurrency("USD").setPricingVersion(null).setPriced(false).build();

        cachedCall("acme", T0.plusSeconds(10), unpriced, 20_212, 16_298, 0);
        driver.advanceWallClockTime(Duration.ofSeconds(5));

        UsageAggregate minute = latest().get("PT1M/2026-11-27T10:00:00Z/acme/m");
        // 3,914 * 500 + 16,298 * 50 + 50 * 3,000 nanos; without the cache 20,212 * 500 + 150,000
        assertThat(minute.getCostNanos()).isEqualTo(1_957_000 + 814_900 + 150_000);
        assertThat(minute.getPromptCacheSavedNanos()).isEqualTo(7_334_100);
        assertThat(minute.getUnpricedCalls()).isZero();
    }

    private void batchCall(Instant completedAt, Cost cost, int inputTokens, long batchSavedNanos) {
        int n = calls++;
        usage.pipeInput("acme", ModelCallUsage.newBuilder().setCallId("b-" + n).setJobId("b-" + n).setTenantId("acme").setModel("m")
                .setAttempt(1).setOutcome(CallOutcome.SUCCESS).setInputTokens(inputTokens).setOutputTokens(50).setCost(cost)
                .setBatchSavedNanos(batchSavedNanos).setBatchId("batch_1").setProducedResult(true)
                .setStartedAt(completedAt.minusSeconds(600)).setCompletedAt(completedAt).setLatencyMs(600_000)
                .setJobSubmittedAt(completedAt.minusSeconds(700)).build(), completedAt);
    }

    @Test
    void shouldSumBatchSavingsIntoEveryWindowCountOnlyTheBatchPriceAgainstTheBudgetAndKeepBatchesOutOfModelLatency() {
        // 1,000 in + 50 out at batch 0.50/1.00: 550,000 spent, 550,000 saved against 1.00/2.00
        batchCall(T0.plusSeconds(10), priced(550_000), 1_000, 550_000);
        batchCall(T0.plusSeconds(20), priced(1_050_000), 2_000, 1_050_000);
        driver.advanceWallClockTime(Duration.ofSeconds(5));

        Map<String, UsageAggregate> latest = latest();
        for (String key : List.of("PT1M/2026-11-27T10:00:00Z/acme/m", "month/2026-11-01T00:00:00Z/acme/*")) {
            assertThat(latest.get(key).getBatchSavedNanos()).as(key).isEqualTo(1_600_000);
            assertThat(latest.get(key).getCostNanos()).as(key).isEqualTo(1_600_000);
            assertThat(latest.get(key).getPromptCacheSavedNanos()).as(key).isZero();
            assertThat(latest.get(key).getCalls()).as(key).isEqualTo(2);
            assertThat(latest.get(key).getModelLatencyMs().getCount()).as(key + ": the batches' 10 minutes are not a call's latency").isZero();
            assertThat(latest.get(key).getJobDurationMs().getCount()).as(key).isEqualTo(2);
        }
        assertThat(spend.readValuesToList()).last().extracting(TenantSpend::getSpentNanos).isEqualTo(1_600_000L);
    }

    @Test
    void shouldPriceAnUnpricedBatchCallAtTheBatchPricesInEffect() {
        prices.pipeInput("m@" + T0.minusSeconds(3600), ModelPrice.newBuilder().setModel("m").setEffectiveFrom(T0.minusSeconds(3600))
                .setInputPerMillion("1.00").setOutputPerMillion("2.00").setBatchInputPerMillion("0.50").setBatchOutputPerMillion("1.00")
                .setVersion("v1").build());
        Cost unpriced = Cost.newBuilder().setAmountNanos(0).setCurrency("USD").setPricingVersion(null).setPriced(false).build();

        batchCall(T0.plusSeconds(10), unpriced, 1_000, 0);
        driver.advanceWallClockTime(Duration.ofSeconds(5));

        UsageAggregate minute = latest().get("PT1M/2026-11-27T10:00:00Z/acme/m");
        // 1,000 * 500 + 50 * 1,000 at the batch prices; 1,000 * 1,000 + 50 * 2,000 at the regular ones
        assertThat(minute.getCostNanos()).isEqualTo(550_000);
        assertThat(minute.getBatchSavedNanos()).isEqualTo(1_100_000 - 550_000);
        assertThat(minute.getUnpricedCalls()).isZero();
    }

    @Test
    void shouldAlertOncePerBudgetThresholdAndPublishTheHardLimitAtOnce() {
        long thirtyCents = 300_000_000L;
        success("acme", T0.plusSeconds(1), thirtyCents, 10);
        success("acme", T0.plusSeconds(2), thirtyCents, 10);
        assertThat(acmeAlerts.readValuesToList()).extracting(Alert::getAlertKey).containsExactly("budget/acme/2026-11/50");
        success("acme", T0.plusSeconds(3), thirtyCents, 10);
        assertThat(acmeAlerts.readValuesToList()).extracting(Alert::getAlertKey).containsExactly("budget/acme/2026-11/80");
        assertThat(spend.isEmpty()).as("below the hard limit, spend waits for the emit interval").isTrue();

        success("acme", T0.plusSeconds(4), thirtyCents, 10);
        assertThat(acmeAlerts.readValuesToList()).extracting(Alert::getAlertKey)
                .containsExactly("budget/acme/2026-11/100", "budget-hard-limit/acme/2026-11");
        assertThat(spend.readValuesToList()).singleElement().satisfies(record -> {
            assertThat(record.getOverHardLimit()).isTrue();
            assertThat(record.getSpentNanos()).isEqualTo(4 * thirtyCents);
            assertThat(record.getHardLimitNanos()).isEqualTo(USD);
        });

        success("acme", T0.plusSeconds(5), thirtyCents, 10);
        assertThat(acmeAlerts.isEmpty()).as("each threshold once per period").isTrue();
        assertThat(alerts.readValuesToList()).hasSize(4);
    }

    @Test
    void shouldTakeTheBudgetOfTheTenantsPolicyAheadOfTheConfiguredOne() {
        DriverTopics.input(driver, topics.tenantPolicies())
                .pipeInput("globex", io.aijobs.schema.TenantPolicy.newBuilder().setTenantId("globex").setMonthlyBudgetNanos(1_000L)
                        .setRetentionMs(1L).setUpdatedAt(T0).build());

        success("globex", T0.plusSeconds(1), 600, 10);

        assertThat(alerts.readValuesToList()).extracting(Alert::getAlertKey).containsExactly("budget/globex/2026-11/50");
    }

    @Test
    void shouldLiftAHardLimitWhenThePolicyRaisesTheBudgetWithoutANewUsageRecord() {
        var policies = DriverTopics.input(driver, topics.tenantPolicies());
        policies.pipeInput("globex", io.aijobs.schema.TenantPolicy.newBuilder().setTenantId("globex").setMonthlyBudgetNanos(1_000L)
                .setRetentionMs(1L).setUpdatedAt(T0).build());
        success("globex", T0.plusSeconds(1), 1_000, 10);
        assertThat(spend.readValuesToList()).singleElement().satisfies(record -> assertThat(record.getOverHardLimit()).isTrue());

        policies.pipeInput("globex", io.aijobs.schema.TenantPolicy.newBuilder().setTenantId("globex").setMonthlyBudgetNanos(10_000L)
                .setRetentionMs(1L).setUpdatedAt(T0).build());
        driver.advanceWallClockTime(Duration.ofSeconds(5));

        assertThat(spend.readValuesToList()).singleElement().satisfies(record -> {
            assertThat(record.getOverHardLimit()).isFalse();
            assertThat(record.getBudgetNanos()).isEqualTo(10_000L);
            assertThat(record.getSpentNanos()).isEqualTo(1_000L);
        });
    }

    @Test
    void shouldComputeLimitsWithoutOverflow() {
        assertThat(UsageAggregator.percentOf(1_000_000_000L, 80)).isEqualTo(800_000_000L);
        assertThat(UsageAggregator.percentOf(9_000_000_000_000_000_000L, 10_000)).isEqualTo(Long.MAX_VALUE);
        assertThat(UsageAggregator.reached(Long.MAX_VALUE, 9_000_000_000_000_000_000L, 100)).isTrue();
    }
}
