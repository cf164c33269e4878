package io.aijobs.cli;

import io.aijobs.contracts.TenantId;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.JobFailure;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code aijobs dlt list|replay}: what failed for a tenant, and putting chosen failures back as jobs. Replay keeps each
 * job's original jobId, so the processor's execution state still allows one result per job.
 */
@Command(name = "dlt", mixinStandardHelpOptions = true, description = "Inspect and replay a tenant's dead letters (tenant.<tenant>.dlt under the default prefix).",
        subcommands = {DltCommand.ListCommand.class, DltCommand.ReplayCommand.class})
final class DltCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: list or replay");
    }

    /** Which dead letters a command works on. */
    static final class Selection {

        @Option(names = "--tenant", required = true, paramLabel = "TENANT", description = "Tenant whose dead letters to read")
        String tenant;

        @Option(names = "--category", paramLabel = "CATEGORY",
                description = "Only this failure category: TRANSIENT, RATE_LIMITED, PERMANENT, POISON, INVALID, EXPIRED, BUDGET, SECURITY")
        String category;

        @Option(names = "--since", paramLabel = "WHEN",
                description = "Only failures at or after WHEN: an instant (2026-11-27T10:00:00Z) or an age (90s, 15m, 2h, 7d, PT1H)")
        String since;

        @Option(names = "--job-id", paramLabel = "ID", description = "Only these jobs (repeatable)")
        List<String> jobIds;

        @Mixin
        StackOptions stack;

        TenantId tenantId(CommandSpec spec) {
            try {
                return TenantId.of(tenant);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }

        boolean narrowed() {
            return category != null || since != null || (jobIds != null && !jobIds.isEmpty());
        }

        Predicate<DeadLetters.DeadLetter> filter(CommandSpec spec, Instant now) {
            Predicate<DeadLetters.DeadLetter> filter = letter -> true;
            if (category != null) {
                FailureCategory wanted;
                try {
                    wanted = FailureCategory.valueOf(category.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "Unknown category '" + category + "'; expected one of "
                            + java.util.Arrays.toString(FailureCategory.values()));
                }
                filter = filter.and(letter -> letter.failure().getCategory() == wanted);
            }
            if (since != null) {
                Instant from = parseSince(spec, since, now);
                filter = filter.and(letter -> !letter.failure().getLastFailureAt().isBefore(from));
            }
            if (jobIds != null && !jobIds.isEmpty()) {
                filter = filter.and(letter -> jobIds.contains(letter.failure().getJobId()));
            }
            return filter;
        }

        DeadLetters open() {
            StackEndpoints endpoints = stack.resolve();
            return new DeadLetters(stack.publisherConfig(endpoints, Map.of()));
        }
    }

    static Instant parseSince(CommandSpec spec, String text, Instant now) {
        String value = text.trim();
        try {
            if (value.contains("T") && !value.startsWith("P")) {
                return Instant.parse(value);
            }
            if (value.startsWith("P") || value.startsWith("p")) {
                return now.minus(Duration.parse(value));
            }
            long amount = Long.parseLong(value.substring(0, value.length() - 1));
            Duration age = switch (value.charAt(value.length() - 1)) {
                case 's' -> Duration.ofSeconds(amount);
                case 'm' -> Duration.ofMinutes(amount);
                case 'h' -> Duration.ofHours(amount);
                case 'd' -> Duration.ofDays(amount);
                default -> throw new NumberFormatException();
            };
            return now.minus(age);
        } catch (DateTimeParseException | NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Invalid --since '" + text
                    + "': give an instant like 2026-11-27T10:00:00Z or an age like 90s, 15m, 2h, 7d or PT1H");
        }
    }

    static String describe(DeadLetters.DeadLetter letter) {
        JobFailure failure = letter.failure();
        String message = failure.getMessage().replaceAll("\\s+", " ");
        if (message.length() > 80) {
            message = message.substring(0, 77) + "...";
        }
        return String.format("%-24s %-24s %-20s %-12s %-22s %8d  %s", letter.address(), failure.getLastFailureAt(),
                failure.getJobId() == null ? "(undecoded)" : failure.getJobId(), failure.getCategory(), failure.getErrorType(),
                failure.getAttempts(), message);
    }

    static String header() {
        return String.format("%-24s %-24s %-20s %-12s %-22s %8s  %s", "DEAD LETTER", "FAILED AT", "JOB", "CATEGORY", "ERROR",
                "ATTEMPTS", "MESSAGE");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a tenant's dead letters, oldest first per partition.")
    static final class ListCommand implements Callable<Integer> {

        @Mixin
        Selection selection;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "1000", description = "Print at most N (default ${DEFAULT-VALUE})")
        int limit;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            TenantId tenant = selection.tenantId(spec);
            Predicate<DeadLetters.DeadLetter> filter = selection.filter(spec, Instant.now());
            try (DeadLetters deadLetters = selection.open()) {
                List<DeadLetters.DeadLetter> letters = deadLetters.list(tenant, filter, Duration.ofSeconds(60));
                out.println(header());
                letters.stream().limit(limit).map(DltCommand::describe).forEach(out::println);
                out.printf("%d dead letter(s)%s%n", letters.size(), letters.size() > limit ? ", " + limit + " shown" : "");
                return 0;
            } catch (IllegalStateException e) {
                spec.commandLine().getErr().println(e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = {"Republish chosen dead letters as jobs, with their original jobId, to the tenant's jobs topic.",
                    "A job runs again only if it failed; one already answered or running is a duplicate; each job is sent once."})
    static final class ReplayCommand implements Callable<Integer> {

        @Mixin
        Selection selection;

        @Option(names = "--dry-run", description = "Show what would be replayed; send nothing")
        boolean dryRun;

        @Option(names = "--all", description = "Replay every dead letter of the tenant (otherwise narrow with --category, --since or --job-id)")
        boolean all;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (!all && !selection.narrowed()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "Choose what to replay with --category, --since or --job-id, or pass --all");
            }
            PrintWriter out = spec.commandLine().getOut();
            TenantId tenant = selection.tenantId(spec);
            Predicate<DeadLetters.DeadLetter> filter = selection.filter(spec, Instant.now());
            try (DeadLetters deadLetters = selection.open()) {
                List<DeadLetters.DeadLetter> letters = deadLetters.list(tenant, filter, Duration.ofSeconds(60));
                List<DeadLetters.Replayed> report = deadLetters.replay(tenant, letters, dryRun, Duration.ofSeconds(60));
                long sent = report.stream().filter(DeadLetters.Replayed::sent).count();
                long replayable = report.stream().filter(r -> r.sent() || r.reason().startsWith("would")).count();
                for (DeadLetters.Replayed replayed : report) {
                    out.printf("%-24s %-20s %s%n", replayed.deadLetter().address(),
                            replayed.deadLetter().failure().getJobId() == null ? "(undecoded)" : replayed.deadLetter().failure().getJobId(),
                            replayed.reason());
                }
                out.printf(dryRun ? "Dry run: %2$d of %3$d dead letter(s) would be replayed%n" : "Replayed %1$d of %3$d dead letter(s)%n",
                        sent, replayable, report.size());
                return 0;
            } catch (IllegalStateException e) {
                spec.commandLine().getErr().println(e.getMessage());
                return 1;
            }
        }
    }
}
