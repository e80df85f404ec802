package org.vbpstudio.testutil;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.vbpstudio.cli.VbpCommand;

/** Runs the command line in this JVM, as a user would type it, and keeps what it printed. */
public final class Cli {
    /** Exit status, stdout, stderr. */
    public record Run(int code, String out, String err) {}

    private Cli() {}

    public static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = VbpCommand.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }
}
