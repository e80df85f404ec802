package org.vbpstudio.stats;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Progress;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.Network;

/** Where a model's activation statistics come from: a calibration pass, or a file checked to match. */
public final class Calibration {
    private Calibration() {}

    /** Streams {@code source} through {@code model} once and returns its activation statistics. */
    public static ActivationStats calibrate(LoadedModel model, ImageSource source, int batchSize, Progress progress) {
        return calibrate(model, source, batchSize, progress, false);
    }

    /**
     * As above; with {@code gradients}, also the Taylor sums of the taylor criterion (one backward
     * pass per batch; the source must be labelled with the model's classes).
     */
    public static ActivationStats calibrate(LoadedModel model, ImageSource source, int batchSize, Progress progress,
            boolean gradients) {
        return calibrate(model, source, batchSize, progress, gradients, false);
    }

    /** As above; with {@code secondMoments}, also the refit's {@link SecondMoments} per block. */
    public static ActivationStats calibrate(LoadedModel model, ImageSource source, int batchSize, Progress progress,
            boolean gradients, boolean secondMoments) {
        try (NDManager manager = Engines.newManager(); Network net = model.instantiate(manager)) {
            return gradients
                    ? TaylorCollector.collect(net, source, model.preprocessing(), batchSize, progress, secondMoments)
                    : StatsCollector.collect(net, source, model.preprocessing(), batchSize, progress, secondMoments);
        }
    }

    /**
     * The images per forward pass a calibration with {@code batchSize} runs (with {@code gradients}
     * at most {@link TaylorCollector#MAX_BATCH}). Each batch's statistics are reduced in float32, so
     * a calibration split over machines gives the statistics of one pass, up to double rounding,
     * only when every part starts at a multiple of this.
     */
    public static int batchSize(int batchSize, boolean gradients) {
        return gradients ? TaylorCollector.batchSize(batchSize) : Math.max(1, batchSize);
    }

    /**
     * The statistics of a file, checked to belong to {@code model} from the file's header before any
     * value is read (statistics of other widths could be gigabytes).
     *
     * @throws BadInputException naming {@code file} if they were computed on another model or are malformed
     */
    public static ActivationStats statisticsFor(LoadedModel model, Path file) {
        StatsFile.Header h = StatsFile.header(file);
        h.requireModel(model.fingerprint(), model.config(), "the model " + model.name());
        return h.read().stats();
    }
}
