package org.vbpstudio.cli;

import java.io.PrintWriter;
import java.util.Locale;
import org.vbpstudio.data.Progress;

/** A progress line on stderr, at most once a second, so scripts' logs stay short. */
final class ConsoleProgress implements Progress {
    private final PrintWriter err;
    private final String what;
    private final String unit;
    private long lastPrint;

    ConsoleProgress(PrintWriter err, String what) {
        this(err, what, "images");
    }

    ConsoleProgress(PrintWriter err, String what, String unit) {
        this.err = err;
        this.what = what;
        this.unit = unit;
    }

    @Override
    public void update(long done, long total, double rate) {
        long now = System.nanoTime();
        if (done < total && now - lastPrint < 1_000_000_000L) {
            return;
        }
        lastPrint = now;
        err.printf(Locale.ROOT, "%s: %d/%d %s, %.1f %s/s%n", what, done, total, unit, rate, unit);
        err.flush();
    }
}
