package io.aijobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** Command-line misuse and validation; nothing here needs a broker. */
class AijobsCommandTest {

    /** Every command and subcommand of the tree, so that a new one is covered without being listed here. */
    static Stream<String> everyCommand() {
        List<String> commands = new ArrayList<>();
        collect(new CommandLine(new AijobsCommand()), "", commands);
        return commands.stream();
    }

    private static void collect(CommandLine command, String path, List<String> into) {
        command.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                String full = (path + " " + name).trim();
                into.add(full);
                collect(sub, full, into);
            }
        });
    }

    @Test
    void shouldFindEveryTopLevelCommandInTheTree() {
        assertThat(everyCommand()).contains("dev", "stack up", "produce", "results", "schemas register", "dlt replay", "prices load",
                "usage", "tenant", "tenant create", "tenant reset-password", "tenant delete");
    }

    @ParameterizedTest
    @MethodSource("everyCommand")
    void shouldPrintHelpForEveryCommand(String command) {
        CliRun run = CliRun.of((command + " --help").split(" "));

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("Usage: aijobs " + command);
    }

    @ParameterizedTest
    @ValueSource(strings = {"schemas register --tenant Not.Valid", "tenant create Not.Valid", "tenant delete Not.Valid --yes",
            "tenant reset-password Not.Valid", "usage --tenant Not.Valid", "usage --tenant acme --window 5m", "results --tenant Not.Valid",
            "dlt list --tenant Not.Valid", "tenant create acme --dead-letters NONE", "tenant", "schemas", "prices", "stack"})
    void shouldExitTwoWithTheUsageOnMisuse(String command) {
        CliRun run = CliRun.of(command.split(" "));

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(2);
        assertThat(run.err()).contains("Usage: aijobs ");
    }

    @Test
    void shouldPrintUsageAndExitTwoWithoutASubcommand() {
        CliRun run = CliRun.of();

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Missing subcommand").contains("Usage: aijobs");
    }

    @Test
    void shouldPrintUsageAndExitTwoOnAnUnknownOption() {
        CliRun run = CliRun.of("produce", "--generate", "5", "--bogus");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Unknown option: '--bogus'").contains("Usage: aijobs produce");
    }

    @Test
    void shouldRequireExactlyOneSourceOfJobs() {
        assertThat(CliRun.of("produce").exitCode()).isEqualTo(2);
        assertThat(CliRun.of("produce", "--generate", "1", "--file", "x").exitCode()).isEqualTo(2);
        assertThat(CliRun.of("produce", "--generate", "0").err()).contains("--generate needs a positive count");
    }

    @Test
    void shouldRefuseAMalformedTraceparentAsMisuseNamingIt() {
        CliRun zeros = CliRun.of("produce", "--generate", "1", "--traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01");
        assertThat(zeros.exitCode()).isEqualTo(2);
        assertThat(zeros.err()).contains("--traceparent: traceparent must be 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>");
        CliRun shortId = CliRun.of("produce", "--generate", "1", "--traceparent", "00-4bf92f35-00f067aa0ba902b7-01");
        assertThat(shortId.exitCode()).isEqualTo(2);
        CliRun stateAlone = CliRun.of("produce", "--generate", "1", "--tracestate", "vendor=abc");
        assertThat(stateAlone.exitCode()).isEqualTo(2);
        assertThat(stateAlone.err()).contains("--tracestate needs --traceparent");
    }

    @Test
    void shouldRefuseAnUnnarrowedReplayAndBadFiltersAsMisuse() {
        CliRun everything = CliRun.of("dlt", "replay", "--tenant", "acme");
        assertThat(everything.exitCode()).isEqualTo(2);
        assertThat(everything.err()).contains("Choose what to replay with --category, --since or --job-id, or pass --all");

        CliRun badSince = CliRun.of("dlt", "list", "--tenant", "acme", "--since", "yesterday");
        assertThat(badSince.exitCode()).isEqualTo(2);
        assertThat(badSince.err()).contains("Invalid --since 'yesterday'");

        CliRun badCategory = CliRun.of("dlt", "list", "--tenant", "acme", "--category", "OOPS");
        assertThat(badCategory.exitCode()).isEqualTo(2);
        assertThat(badCategory.err()).contains("Unknown category 'OOPS'");

        assertThat(CliRun.of("dlt").exitCode()).isEqualTo(2);
    }

    @Test
    void shouldRefuseAWeightOfZeroOrLessAndAConcurrencyCapBelowOneAsMisuse() {
        CliRun zero = CliRun.of("tenant", "create", "acme", "--weight", "0");
        assertThat(zero.exitCode()).isEqualTo(2);
        assertThat(zero.err()).contains("the weight must be positive and finite, got 0.0").contains("Usage: aijobs tenant create");

        CliRun negative = CliRun.of("tenant", "create", "acme", "--weight", "-1.5");
        assertThat(negative.exitCode()).isEqualTo(2);
        assertThat(negative.err()).contains("the weight must be positive and finite, got -1.5");

        CliRun noCalls = CliRun.of("tenant", "create", "acme", "--max-concurrent-calls", "0");
        assertThat(noCalls.exitCode()).isEqualTo(2);
        assertThat(noCalls.err()).contains("the cap on concurrent calls must be at least 1, got 0");
    }

    @Test
    void shouldRefuseANegativeZeroOrOverLongCacheTtlNamingTheFieldAsMisuse() {
        CliRun negative = CliRun.of("tenant", "create", "acme", "--cache-ttl", "-PT1H");
        assertThat(negative.exitCode()).isEqualTo(2);
        assertThat(negative.err()).contains("responseCacheTtlMs must be positive, got -3600000").contains("Usage: aijobs tenant create");

        CliRun zero = CliRun.of("tenant", "create", "acme", "--cache-ttl", "PT0S");
        assertThat(zero.exitCode()).isEqualTo(2);
        assertThat(zero.err()).contains("responseCacheTtlMs must be positive, got 0");

        CliRun tooLong = CliRun.of("tenant", "create", "acme", "--cache-ttl", "P8D");
        assertThat(tooLong.exitCode()).isEqualTo(2);
        assertThat(tooLong.err()).contains("responseCacheTtlMs must be at most 604800000 (PT168H, the retention of the response cache topic)");

        CliRun withoutTtl = CliRun.of("tenant", "create", "acme", "--cache-any-temperature");
        assertThat(withoutTtl.exitCode()).isEqualTo(2);
        assertThat(withoutTtl.err()).contains("--cache-any-temperature needs --cache-ttl");
    }

    @Test
    void shouldRejectAnInvalidTenantAsMisuse() {
        CliRun run = CliRun.of("results", "--tenant", "Not.Valid");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Invalid tenant id 'Not.Valid'");
    }

    @Test
    void shouldReportEveryInvalidLineWithItsNumberAndSendNothing(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jobs.jsonl");
        Files.writeString(file, String.join("\n",
                "{\"jobId\":\"a1\",\"tenantId\":\"acme\",\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "",
                "{\"jobId\":\"a2\",\"tenantId\":\"\",\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "{not json",
                "# a comment"));

        // No stack runs and no servers are given: reaching the network would fail differently
        CliRun run = CliRun.of("produce", "--file", file.toString(), "--state-dir", dir.resolve("none").toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err())
                .contains(file + ":3: tenantId: is missing or blank")
                .contains(file + ":4: invalid JSON")
                .contains("2 invalid line(s)")
                .contains("nothing was sent");
    }

    @Test
    void shouldExitTwoNamingTheCommandConfigWhenItCannotBeReadOrAReferenceDoesNotResolve(@TempDir Path dir) throws Exception {
        List<String> remote = List.of("results", "--tenant", "acme", "--bootstrap-servers", "127.0.0.1:9", "--registry-url",
                "http://127.0.0.1:9", "--state-dir", dir.toString(), "--command-config");
        Path missing = dir.resolve("missing.properties");
        Path unresolved = Files.writeString(dir.resolve("unresolved.properties"),
                "sasl.jaas.config=${env:AIJOBS_TEST_VARIABLE_THAT_IS_NOT_SET}\n");

        CliRun unreadable = CliRun.of(concat(remote, missing.toString()));
        CliRun unresolvable = CliRun.of(concat(remote, unresolved.toString()));

        assertThat(unreadable.exitCode()).isEqualTo(2);
        assertThat(unreadable.err()).contains("Cannot read --command-config " + missing).contains("Usage: aijobs results");
        assertThat(unresolvable.exitCode()).isEqualTo(2);
        assertThat(unresolvable.err()).contains("Invalid --command-config " + unresolved).contains("sasl.jaas.config");
    }

    private static String[] concat(List<String> first, String last) {
        List<String> all = new ArrayList<>(first);
        all.add(last);
        return all.toArray(String[]::new);
    }

    @Test
    void shouldSayHowToStartAStackWhenNoneRuns(@TempDir Path dir) {
        CliRun run = CliRun.of("produce", "--generate", "1", "--state-dir", dir.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("No local stack is running").contains("./aijobs stack up");
    }

    @Test
    void shouldExitThreeFromStatusWhenNothingRuns(@TempDir Path dir) {
        CliRun run = CliRun.of("stack", "status", "--state-dir", dir.toString());

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.out()).contains("kafka            not running");
    }
}
