package org.vbpstudio.stats;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.data.Progress;
import org.vbpstudio.data.ImageStream;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.Network;

/**
 * Streams calibration images through the model once and accumulates every block's MLP
 * statistics along the way (and, for a family with attention heads, its attention outputs', which head pruning needs). The app passes its own {@link ActivationStats} and reads
 * {@link ActivationStats#copy() copies} of it while this runs, to draw live histograms.
 */
public final class StatsCollector {
    private static final Logger LOG = LoggerFactory.getLogger(StatsCollector.class);
    private StatsCollector() {}

    public static ActivationStats collect(Network model, ImageSource source, Preprocessing prep,
            int batchSize, Progress progress) {
        return collect(model, source, prep, batchSize, progress, false);
    }

    /** As above; with {@code secondMoments}, also the refit's {@link SecondMoments} (see {@link StatsHook}). */
    public static ActivationStats collect(Network model, ImageSource source, Preprocessing prep,
            int batchSize, Progress progress, boolean secondMoments) {
        ActivationStats stats = emptyFor(model.config(), secondMoments);
        collectInto(stats, model, source, prep, batchSize, progress);
        return stats;
    }

    /**
     * Empty statistics for {@code cfg}'s blocks, with an attention part where the family's forward
     * pass shows its attention outputs (ViT, Swin), which {@link #collectInto} then fills too.
     */
    public static ActivationStats emptyFor(ModelConfig cfg, boolean secondMoments) {
        int[] widths = cfg.mlpHiddenDims();
        ActivationStats stats = secondMoments ? ActivationStats.collectingSecondMoments(widths)
                : new ActivationStats(widths);
        if (cfg.hasAttentionHeads()) {
            int[] attention = new int[cfg.depth()];
            for (int b = 0; b < attention.length; b++) {
                attention[b] = cfg.attentionDim(b);
            }
            stats = stats.withAttention(secondMoments ? ActivationStats.collectingSecondMoments(attention)
                    : new ActivationStats(attention));
        }
        return stats;
    }

    /** The hook that folds a forward pass into {@code stats}: every kind of statistics they hold. */
    public static MlpHook hook(ActivationStats stats) {
        StatsHook mlp = new StatsHook(stats);
        return stats.hasAttention() ? new AttentionStatsHook(mlp, stats.attention()) : mlp;
    }

    public static void collectInto(ActivationStats stats, Network model, ImageSource source,
            Preprocessing prep, int batchSize, Progress progress) {
        long start = System.nanoTime();
        long before = stats.images();
        MlpHook hook = hook(stats);
        ImageStream.forEachBatch(source, prep, batchSize, progress, batch -> {
            model.logits(batch.pixels(), batch.count(), hook);
            stats.addImages(batch.count());
            if (stats.hasAttention()) {
                stats.attention().addImages(batch.count());
            }
        });
        LOG.info("calibrated on {} images in {} s (statistics over {} images)", stats.images() - before,
                String.format("%.1f", (System.nanoTime() - start) / 1e9), stats.images());
    }
}
