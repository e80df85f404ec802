package org.vbpstudio.cli;

import java.io.Closeable;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import org.vbpstudio.data.ImageLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.LogFiles;
import org.vbpstudio.io.OneLine;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/**
 * The root command. Exit status: 0 success, 2 bad arguments or bad input (one line on
 * stderr, no stack trace), 1 anything else, {@link Error}s such as {@link OutOfMemoryError}
 * included (one line too; the trace only with {@code --verbose} or VBP_DEBUG=1). Every command line,
 * its exit status and every failure with its stack trace go to the log file ({@link LogFiles});
 * {@code --verbose} mirrors that log to stderr.
 */
@Command(name = "vbp-studio", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Variance-Based Pruning of trained Vision Transformers.",
        subcommands = {PredictCommand.class, EvalCommand.class, StatsCommand.class, PruneCommand.class, OnnxCommand.class, SweepCommand.class, SensitivityCommand.class, InspectCommand.class,
                BenchCommand.class, TrainCommand.class, FinetuneCommand.class, GuiCommand.class, CommandLine.HelpCommand.class})
public final class VbpCommand implements Runnable {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int BAD_INPUT = 2;
    static final String VERBOSE = "--verbose";
    static final String SESSION_SUFFIX = ".vbps";
    /** Static, so the log is set up (and java.util.logging bridged) before any command runs. */
    private static final Logger LOG = LoggerFactory.getLogger(VbpCommand.class);

    @Option(names = VERBOSE, scope = ScopeType.INHERIT,
            description = "Mirror the log to stderr: what was opened, calibrated, pruned, exported, and every"
                    + " failure with its stack trace (the log file always has them).")
    boolean verbose;

    @Option(names = ImageLimits.OPTION, scope = ScopeType.INHERIT, paramLabel = "N",
            description = "Refuse images larger than N pixels, checked from the image header before decoding"
                    + " (default: the system property " + ImageLimits.PROPERTY + ", else 50000000).")
    long maxImagePixels;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "a command is required (see --help)");
    }

    /**
     * What the process's arguments mean: none opens the app, and a single {@code .vbps} file (how the
     * desktop opens a double-clicked session) opens that session in it; anything else is a command.
     */
    public static String[] arguments(String... args) {
        if (args.length == 0) {
            return new String[] {"gui"};
        }
        if (args.length == 1 && args[0].toLowerCase(java.util.Locale.ROOT).endsWith(SESSION_SUFFIX)
                && !args[0].startsWith("-")) {
            return new String[] {"gui", "--session", args[0]};
        }
        return args;
    }

    /** The process entry: the heap policy, then the command, which Ctrl-C stops before the JVM exits. */
    public static int run(String... args) {
        HeapPolicy.apply();
        try (GracefulShutdown guard = GracefulShutdown.install()) {
            return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
        }
    }

    /** Runs a command with the given streams (tests capture them). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return execute(new CommandLine(new VbpCommand()), out, err, args);
    }

    /** Runs {@code cli} (the root command, or a test's with extra subcommands) with every failure mapped to a status. */
    static int execute(CommandLine cli, PrintWriter out, PrintWriter err, String... args) {
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionStrategy(VbpCommand::withImageLimit);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> failed(ex, err));
        cli.setParameterExceptionHandler((ex, a) -> {
            String line = ex.getMessage() + " (see: vbp-studio " + ex.getCommandLine().getCommandName() + " --help)";
            error(err, line);
            LOG.warn("bad arguments: {}", OneLine.escape(line));
            return BAD_INPUT;
        });
        // known before parsing, so a command line that does not parse is mirrored too
        boolean mirror = Arrays.asList(args).contains(VERBOSE) || debugEnvironment();
        Closeable mirroring = mirror ? LogFiles.mirrorTo(err) : () -> {};
        long start = System.nanoTime();
        LOG.info("command: {}", OneLine.escape(String.join(" ", args)));
        int code;
        try {
            code = cli.execute(args);
        } catch (Throwable t) { // picocli hands on Errors (OutOfMemoryError, StackOverflowError…) unmapped
            code = failed(t, err);
        }
        LOG.info("exit status {} after {} s", code, String.format("%.1f", (System.nanoTime() - start) / 1e9));
        try {
            mirroring.close();
        } catch (IOException e) {
            throw new IllegalStateException(e); // detaching an appender does no I/O
        }
        out.flush();
        err.flush();
        return code;
    }

    private static boolean debugEnvironment() {
        return "1".equals(System.getenv("VBP_DEBUG"));
    }

    /**
     * Runs the parsed command with {@code --max-image-pixels} in force (the loaders read it from
     * {@link ImageLimits}), restoring the previous limit afterwards: in-process callers (tests, the
     * app's snapshot) must not inherit one command's limit.
     */
    private static int withImageLimit(ParseResult parsed) {
        long limit = 0;
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption(ImageLimits.OPTION)) {
                limit = p.matchedOptionValue(ImageLimits.OPTION, 0L);
                if (limit < 1) {
                    throw new CommandLine.ParameterException(p.commandSpec().commandLine(),
                            ImageLimits.OPTION + " must be a positive number of pixels, got " + limit);
                }
            }
        }
        long previous = ImageLimits.override(limit);
        try {
            return new CommandLine.RunLast().execute(parsed);
        } finally {
            ImageLimits.override(previous);
        }
    }

    /** The one line for a failure on stderr, the failure with its trace in the log, and its status. */
    private static int failed(Throwable ex, PrintWriter err) {
        Throwable root = ex;
        while (!(root instanceof BadInputException) && root.getCause() != null && root != root.getCause()) {
            root = root.getCause();
        }
        if (root instanceof BadInputException bad) {
            error(err, bad.getMessage());
            LOG.warn("bad input: {}", OneLine.escape(bad.getMessage()), ex);
            return BAD_INPUT;
        }
        if (ex instanceof CancellationException) {
            err.println("cancelled");
            LOG.info("cancelled");
            return FAILED;
        }
        Throwable error = ex; // an Error a worker thread hit arrives wrapped in an ExecutionException
        for (int depth = 0; error != null && !(error instanceof Error) && depth < 20; depth++) {
            error = error.getCause();
        }
        if (error instanceof OutOfMemoryError) {
            error(err, "out of memory (" + error.getMessage() + "); give Java more with -Xmx, or use a smaller"
                    + " input, --batch or --limit");
        } else if (error != null) {
            error(err, "internal error (" + error.getClass().getSimpleName()
                    + (error.getMessage() == null ? "" : ": " + error.getMessage()) + ")");
        } else {
            error(err, ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage());
        }
        // with --verbose the log, mirrored to stderr, prints the trace after the line
        LOG.error("failed", ex);
        return FAILED;
    }

    /** The one place the CLI prints an error: one line, whatever characters the message holds. */
    static void error(PrintWriter err, String message) {
        err.println("error: " + OneLine.escape(message));
    }
}
