package org.vbpstudio.stats;

import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.data.Progress;
import org.vbpstudio.data.ImageStream;
import org.vbpstudio.model.VisionTransformer;

/**
 * Streams calibration images through the model once and accumulates every block's MLP
 * statistics along the way. The app passes its own {@link ActivationStats} and reads
 * {@link ActivationStats#copy() copies} of it while this runs, to draw live histograms.
 */
public final class StatsCollector {
    private StatsCollector() {}

    public static ActivationStats collect(VisionTransformer model, ImageSource source, Preprocessing prep,
            int batchSize, Progress progress) {
        ActivationStats stats = new ActivationStats(model.config().mlpHiddenDims());
        collectInto(stats, model, source, prep, batchSize, progress);
        return stats;
    }

    public static void collectInto(ActivationStats stats, VisionTransformer model, ImageSource source,
            Preprocessing prep, int batchSize, Progress progress) {
        StatsHook hook = new StatsHook(stats);
        ImageStream.forEachBatch(source, prep, batchSize, progress, batch -> {
            model.logits(batch.pixels(), batch.count(), hook);
            stats.addImages(batch.count());
        });
    }
}
