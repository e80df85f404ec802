package org.vbpstudio.app.workspace;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Progress;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsCollector;

/**
 * Calibration statistics the preview's preparation collects in its one pass over the validation
 * slice, when the calibration images are the same images: calibrating then waits for that pass
 * instead of decoding and running every image a second time.
 */
public final class SharedCalibration {
    /** How often a waiting calibration reports progress and checks for cancellation. */
    private static final long POLL_MILLIS = 250;

    private final ImageSource images;
    private final ActivationStats stats;
    private final CompletableFuture<ActivationStats> done = new CompletableFuture<>();

    /** @param images the slice the preview prepares (before any relabelling), for a model of {@code cfg} */
    public SharedCalibration(ImageSource images, ModelConfig cfg) {
        this.images = images;
        this.stats = StatsCollector.emptyFor(cfg, false); // with the attention outputs' part, for heads
    }

    /** The statistics as collected so far (the preview's preparation adds to them). */
    public ActivationStats stats() {
        return stats;
    }

    /** Whether calibrating on {@code source} (with second moments or not) is what this pass computes. */
    public boolean covers(ImageSource source, boolean secondMoments) {
        return !secondMoments && sameImages(source, images);
    }

    /** The same files in the same order: the same root and the same names. */
    public static boolean sameImages(ImageSource a, ImageSource b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null || a.size() != b.size() || a.root() == null || b.root() == null
                || !a.root().toAbsolutePath().normalize().equals(b.root().toAbsolutePath().normalize())) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.name(i).equals(b.name(i))) {
                return false;
            }
        }
        return true;
    }

    /** The pass ended: every image of the slice is in {@link #stats()}. */
    public void complete() {
        done.complete(stats);
    }

    /** The pass will not end (the preview was closed or failed). */
    public void abandon(Throwable why) {
        done.completeExceptionally(why);
    }

    /**
     * Waits for the pass, telling {@code progress} how far it is and {@code partial} of the
     * statistics so far a few times a second.
     *
     * @throws CancellationException if {@code progress} is cancelled or the pass was abandoned
     */
    public ActivationStats await(Progress progress, Consumer<ActivationStats> partial) {
        long t0 = System.nanoTime();
        while (true) {
            progress.checkCancelled();
            try {
                return done.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                long n;
                synchronized (stats) {
                    n = stats.images();
                }
                progress.update(n, images.size(), n / Math.max(1e-9, (System.nanoTime() - t0) / 1e9));
                partial.accept(stats.withoutSecondMoments());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("interrupted");
            } catch (ExecutionException e) {
                throw new CancellationException("the shared pass ended early: " + e.getCause());
            }
        }
    }
}
