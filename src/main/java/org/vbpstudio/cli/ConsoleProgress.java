package org.vbpstudio.cli;

import java.io.PrintWriter;
import org.vbpstudio.data.Progress;

/** A progress line on stderr, at most once a second, so scripts' logs stay short. */
final class ConsoleProgress implements Progress {
    private final PrintWriter err;
    private final String what;
    private long lastPrint;

    ConsoleProgress(PrintWriter err, String what) {
        this.err = err;
        this.what = what;
    }

    @Override
    public void update(long done, long total, double rate) {
        long now = System.nanoTime();
        if (done < total && now - lastPrint < 1_000_000_000L) {
            return;
        }
        lastPrint = now;
        err.printf("%s: %d/%d images, %.1f images/s%n", what, done, total, rate);
        err.flush();
    }
}
