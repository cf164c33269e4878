package io.aijobs.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ./aijobs}: the platform's command line. Each subcommand is a class of its own; this one only dispatches.
 *
 * <p>Exit codes: 0 success, 1 failure at run time (the message says why), 2 misuse (usage printed), 3 stack not
 * running ({@code stack status}), 130 interrupted.
 *
 * <p>Commands print what the user needs; logs go to a file per command, never to the console (see
 * {@link CliLogging}). A failure names the log file when there is one.
 */
@Command(name = "aijobs",
        mixinStandardHelpOptions = true,
        versionProvider = AijobsCommand.Version.class,
        description = "Run AI inference jobs on Kafka: local stack, demo, publishing jobs and reading results.",
        subcommands = {DevCommand.class, StackCommand.class, ProcessorCommand.class, AggregatorCommand.class, ProduceCommand.class, ResultsCommand.class,
                SchemasCommand.class, DltCommand.class, PricesCommand.class, UsageCommand.class, TraceCommand.class, TenantCommand.class,
                CommandLine.HelpCommand.class})
public final class AijobsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
    }

    public static void main(String[] args) {
        // before any logger exists: Log4j reads its configuration once
        java.util.Optional<String> badLogging = CliLogging.checkEnvironment(System::getenv);
        if (badLogging.isPresent()) {
            System.err.println("error: " + badLogging.get());
            System.exit(2);
        }
        CliLogging.toFile(StackOptions.home(), args);
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams; returns the exit code. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new AijobsCommand())
                .setOut(out)
                .setErr(err)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler(AijobsCommand::misuse)
                .setExecutionExceptionHandler((e, cmd, parseResult) -> {
                    cmd.getErr().println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
                    CliLogging.writtenLogFile().ifPresent(file -> cmd.getErr().println("The log may say more: " + file));
                    return e instanceof InterruptedException ? 130 : 1;
                });
        return commandLine.execute(args);
    }

    /** Misuse: the error, any "did you mean", then the usage of the command concerned; exit code 2. */
    private static int misuse(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        cmd.usage(err);
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = AijobsCommand.class.getPackage().getImplementationVersion();
            return new String[] {"aijobs " + (version == null ? "dev" : version)};
        }
    }
}
