package org.vbpstudio.eval.preview;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.Fidelity;
import org.vbpstudio.model.Accuracy;

/**
 * Running totals shared by the workers of one refresh: chunks already current count at once, each
 * chunk computed adds to the estimate and reports it ({@code stop} tells the others to stop).
 */
final class Tally {
    final AtomicBoolean stop = new AtomicBoolean();
    private final Consumer<PreviewEstimate> listener;
    private final Progress progress;
    private final int images;
    private final long t0 = System.nanoTime();
    private int done;
    private int computed;
    private Accuracy accuracy = new Accuracy(0, 0, 0);
    private Fidelity fidelity = Fidelity.EMPTY;

    Tally(Consumer<PreviewEstimate> listener, Progress progress, int images) {
        this.listener = listener;
        this.progress = progress;
        this.images = images;
    }

    synchronized void add(int n, Accuracy a, Fidelity f, boolean report) {
        done += n;
        accuracy = accuracy.plus(a);
        fidelity = fidelity.plus(f);
        if (report) {
            computed += n;
            report();
        }
    }

    synchronized void report() {
        listener.accept(estimate());
        progress.update(done, images, computed / Math.max(1e-9, (System.nanoTime() - t0) / 1e9));
    }

    synchronized PreviewEstimate estimate() {
        return new PreviewEstimate(done, images, accuracy, fidelity);
    }
}
