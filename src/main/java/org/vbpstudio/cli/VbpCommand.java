package org.vbpstudio.cli;

import java.io.PrintWriter;
import java.util.concurrent.CancellationException;
import org.vbpstudio.io.BadInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The root command. Exit status (GUIDE §5): 0 success, 2 bad arguments or bad input (one line on
 * stderr, no stack trace), 1 anything else (one line too; the trace only with VBP_DEBUG=1).
 */
@Command(name = "vbp-studio", mixinStandardHelpOptions = true, version = "VBP Studio 0.1.0",
        description = "Variance-Based Pruning of trained Vision Transformers.",
        subcommands = {PredictCommand.class, EvalCommand.class, StatsCommand.class, PruneCommand.class, OnnxCommand.class, SweepCommand.class,
                BenchCommand.class, TrainCommand.class, FinetuneCommand.class, GuiCommand.class, CommandLine.HelpCommand.class})
public final class VbpCommand implements Runnable {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int BAD_INPUT = 2;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "a command is required (see --help)");
    }

    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs a command with the given streams (tests capture them). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new VbpCommand());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            Throwable root = ex;
            while (!(root instanceof BadInputException) && root.getCause() != null && root != root.getCause()) {
                root = root.getCause();
            }
            if (root instanceof BadInputException bad) {
                err.println("error: " + bad.getMessage());
                return BAD_INPUT;
            }
            if (ex instanceof CancellationException) {
                err.println("cancelled");
                return FAILED;
            }
            err.println("error: " + (ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage()));
            if ("1".equals(System.getenv("VBP_DEBUG"))) {
                ex.printStackTrace(err);
            }
            return FAILED;
        });
        cli.setParameterExceptionHandler((ex, a) -> {
            err.println("error: " + ex.getMessage());
            err.println("see: vbp-studio " + (ex.getCommandLine().getCommandName()) + " --help");
            return BAD_INPUT;
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }
}
