package org.vbpstudio.cli;

import java.io.PrintWriter;
import java.util.Locale;
import org.vbpstudio.train.TrainListener;

/** Step lines on stderr every {@code every} steps, an epoch summary on stdout. */
final class TrainingConsole implements TrainListener {
    private final PrintWriter out;
    private final PrintWriter err;
    private final int every;

    TrainingConsole(PrintWriter out, PrintWriter err, int every) {
        this.out = out;
        this.err = err;
        this.every = every;
    }

    @Override
    public void onStep(Step s) {
        if (Float.isNaN(s.loss())) {
            err.printf(Locale.ROOT, "epoch %d/%d step %d/%d skipped: non-finite loss or gradients%n", s.epoch(),
                    s.epochs(), s.step(), s.stepsPerEpoch());
        } else if (s.step() % every == 0 || s.step() == s.stepsPerEpoch()) {
            err.printf(Locale.ROOT, "epoch %d/%d step %d/%d loss %.4f lr %.2e %.0f images/s%n", s.epoch(), s.epochs(),
                    s.step(), s.stepsPerEpoch(), s.loss(), s.learningRate(), s.imagesPerSecond());
            err.flush();
        }
    }

    @Override
    public void onEpoch(Epoch e) {
        out.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f, %s, %.0f s (%.0f images/s)%s%n", e.epoch(), e.epochs(),
                e.meanLoss(), Double.isNaN(e.validationTop1()) ? "no validation"
                        : String.format(Locale.ROOT, "validation top-1 %.4f (%d images, %.1f s)", e.validationTop1(),
                                e.validationCount(), e.validationSeconds()),
                e.trainSeconds(), e.imagesPerSecond(),
                e.skippedSteps() == 0 ? "" : ", " + e.skippedSteps() + " steps skipped");
        out.flush();
    }
}
