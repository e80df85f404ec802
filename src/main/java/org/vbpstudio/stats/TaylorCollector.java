package org.vbpstudio.stats;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageStream;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.data.Progress;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.ModelConfig;

/**
 * Activation statistics plus the first-order Taylor sums Σ x_j · ∂L/∂x_j the {@code taylor}
 * criterion needs, in one forward and one backward pass per batch over labelled images.
 *
 * <p>How: each block's hidden activation x [B, …, H] (a ViT's tokens, a Swin or ConvNeXt feature
 * map's positions) is multiplied by a gate g [H] of ones that requires a gradient. Then
 * ∂L/∂g_j = Σ over the batch's images and positions of x_j · ∂L/∂(g_j x_j),
 * which at g = 1 is exactly Σ x_j · ∂L/∂x_j; L is the SUM over images of the cross-entropy with the
 * true label, so batch sums add up to the sum over all images whatever the batch size.
 */
public final class TaylorCollector {
    /** Batches are capped here: the backward pass keeps every block's intermediates alive. */
    public static final int MAX_BATCH = 16;

    private TaylorCollector() {}

    /** The images per forward and backward pass for a requested {@code batchSize}: 1 to {@link #MAX_BATCH}. */
    public static int batchSize(int batchSize) {
        return Math.min(Math.max(1, batchSize), MAX_BATCH);
    }

    /**
     * @throws BadInputException naming the source if its images carry no labels
     */
    public static ActivationStats collect(Network model, ImageSource source, Preprocessing prep,
            int batchSize, Progress progress) {
        return collect(model, source, prep, batchSize, progress, false);
    }

    /** As above; with {@code secondMoments}, also the refit's {@link SecondMoments}. */
    public static ActivationStats collect(Network model, ImageSource source, Preprocessing prep,
            int batchSize, Progress progress, boolean secondMoments) {
        if (!source.labelled()) {
            throw new BadInputException(source.root(), "has no labels, and the taylor criterion needs the true"
                    + " class of every calibration image (use an ImageFolder or a labelled IDX pair)");
        }
        ImageStream.checkLabels(source, model.config().numClasses());
        ModelConfig cfg = model.config();
        ActivationStats stats = secondMoments ? ActivationStats.collectingSecondMoments(cfg.mlpHiddenDims())
                : new ActivationStats(cfg.mlpHiddenDims());
        ImageStream.forEachBatch(source, prep, batchSize(batchSize), progress, batch -> {
            accumulate(model, batch.pixels(), batch.count(), batch.labels(), stats);
            stats.addImages(batch.count());
        });
        return stats;
    }

    /**
     * One batch: {@code n} preprocessed CHW images in {@code pixels} with their labels; adds the
     * activation statistics and the Taylor sums of the batch to {@code stats} (not the image count).
     */
    public static void accumulate(Network model, float[] pixels, int n, int[] labels, ActivationStats stats) {
        ModelConfig cfg = model.config();
        try (StatsHook statsHook = new StatsHook(stats); NDManager tmp = model.manager().newSubManager()) {
            NDArray x = tmp.create(FloatBuffer.wrap(pixels, 0, n * cfg.inChans() * cfg.imgSize() * cfg.imgSize()),
                    new Shape(n, cfg.inChans(), cfg.imgSize(), cfg.imgSize()));
            NDArray[] gates = new NDArray[cfg.depth()];
            for (int b = 0; b < gates.length; b++) {
                gates[b] = tmp.ones(new Shape(cfg.mlpHiddenDim(b)));
                gates[b].setRequiresGradient(true);
            }
            try (GradientCollector collector = tmp.getEngine().newGradientCollector()) {
                NDArray logits = model.gradientSteps().forward(x, (block, hidden) -> {
                    try (NDManager statsScope = tmp.newSubManager()) {
                        NDArray detached = hidden.stopGradient();
                        detached.tempAttach(statsScope);
                        statsHook.onHidden(block, detached);
                    }
                    return hidden.mul(gates[block]);
                });
                int[] y = Arrays.copyOf(labels, n);
                NDArray onehot = tmp.create(y).oneHot(cfg.numClasses()).toType(logits.getDataType(), false);
                NDArray loss = logits.logSoftmax(1).mul(onehot).sum().neg(); // Σ over images of the cross-entropy
                collector.backward(loss);
            }
            for (int b = 0; b < gates.length; b++) {
                stats.addTaylor(b, gates[b].getGradient().toType(DataType.FLOAT64, false).toDoubleArray());
            }
        }
    }
}
