package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Cli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/** An {@link Error} (OutOfMemoryError above all) is one line and exit 1, its trace only with --verbose. */
class LastResortTest {

    @Command(name = "fail")
    static final class Fail implements Callable<Integer> {
        @Parameters(index = "0")
        String what;

        @Override
        @SuppressWarnings("unused")
        public Integer call() throws Exception {
            switch (what) {
                case "heap" -> {
                    long[] huge = new long[Integer.MAX_VALUE - 8]; // a real OutOfMemoryError
                    return huge.length;
                }
                case "stack" -> throw new StackOverflowError();
                case "assert" -> throw new AssertionError("broken\ninvariant");
                case "worker" -> throw new ExecutionException(new OutOfMemoryError("Java heap space"));
                default -> throw new IllegalStateException("unexpected");
            }
        }
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new VbpCommand()).addSubcommand(new Fail());
        int code = VbpCommand.execute(cli, new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    private static void assertOneLine(Run r, String start) {
        assertEquals(VbpCommand.FAILED, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith(start), r.err());
        assertFalse(r.err().contains("\tat "), "a stack trace: " + r.err());
    }

    @Test
    void anOutOfMemoryErrorIsOneLineAndExitOne() {
        assertOneLine(run("fail", "heap"), "error: out of memory (");
        assertOneLine(run("fail", "worker"), "error: out of memory (Java heap space)");
    }

    @Test
    void anyOtherErrorIsOneLineAndExitOne() {
        assertOneLine(run("fail", "stack"), "error: internal error (StackOverflowError)");
        assertOneLine(run("fail", "assert"), "error: internal error (AssertionError: broken");
        assertOneLine(run("fail", "other"), "error: unexpected");
    }

    @Test
    void verbosePrintsTheTraceAfterTheLine() {
        for (String[] args : new String[][] {{"--verbose", "fail", "stack"}, {"fail", "stack", "--verbose"}}) {
            Run r = run(args);
            assertEquals(VbpCommand.FAILED, r.code());
            // the log, mirrored to stderr, says what ran, then comes the one line, then the trace
            int line = r.err().indexOf("error: internal error (StackOverflowError)\n");
            assertTrue(line > 0 && r.err().substring(0, line).contains("command: "), r.err());
            assertTrue(r.err().indexOf("\tat ", line) > line, r.err());
        }
    }

    @Test
    void badArgumentsAreOneLine() {
        Run r = Cli.run("prune", "--no-such-option");
        assertEquals(VbpCommand.BAD_INPUT, r.code());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("see: vbp-studio prune --help"), r.err());
    }
}
