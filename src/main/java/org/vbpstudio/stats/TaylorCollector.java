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
import org.vbpstudio.model.MlpHook;
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
 * For a ViT the same pass gates every channel of each block's attention output (proj's input) and
 * collects those channels' statistics and sums into {@link ActivationStats#attention()}: a head's
 * Taylor sum is the sum over its d_h channels (a gate per head, as the pruned model sees it).
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
        ActivationStats collected = StatsCollector.emptyFor(cfg, secondMoments);
        ImageStream.forEachBatch(source, prep, batchSize(batchSize), progress, batch -> {
            accumulate(model, batch.pixels(), batch.count(), batch.labels(), collected);
            collected.addImages(batch.count());
            if (collected.hasAttention()) {
                collected.attention().addImages(batch.count());
            }
        });
        return collected;
    }

    /**
     * One batch: {@code n} preprocessed CHW images in {@code pixels} with their labels; adds the
     * activation statistics and the Taylor sums of the batch to {@code stats} (not the image count).
     */
    public static void accumulate(Network model, float[] pixels, int n, int[] labels, ActivationStats stats) {
        ModelConfig cfg = model.config();
        ActivationStats attention = stats.hasAttention() ? stats.attention() : null;
        StatsHook statsHook = new StatsHook(stats);
        StatsHook attentionHook = attention != null ? new StatsHook(attention) : null;
        try (NDManager tmp = model.manager().newSubManager()) {
            NDArray x = tmp.create(FloatBuffer.wrap(pixels, 0, n * cfg.inChans() * cfg.imgSize() * cfg.imgSize()),
                    new Shape(n, cfg.inChans(), cfg.imgSize(), cfg.imgSize()));
            NDArray[] gates = new NDArray[cfg.depth()];
            NDArray[] attentionGates = new NDArray[cfg.depth()];
            for (int b = 0; b < gates.length; b++) {
                gates[b] = tmp.ones(new Shape(cfg.mlpHiddenDim(b)));
                gates[b].setRequiresGradient(true);
                if (attention != null) { // one gate per channel of proj's input: a head's gradient is their sum
                    attentionGates[b] = tmp.ones(new Shape(attention.width(b)));
                    attentionGates[b].setRequiresGradient(true);
                }
            }
            try (GradientCollector collector = tmp.getEngine().newGradientCollector()) {
                NDArray logits = model.gradientSteps().forward(x, new MlpHook() {
                    @Override
                    public NDArray onHidden(int block, NDArray hidden) {
                        observe(tmp, statsHook, block, hidden);
                        return hidden.mul(gates[block]);
                    }

                    @Override
                    public NDArray onAttention(int block, NDArray context) {
                        if (attention == null) {
                            return context;
                        }
                        observe(tmp, attentionHook, block, context);
                        return context.mul(attentionGates[block]);
                    }
                });
                int[] y = Arrays.copyOf(labels, n);
                NDArray onehot = tmp.create(y).oneHot(cfg.numClasses()).toType(logits.getDataType(), false);
                NDArray loss = logits.logSoftmax(1).mul(onehot).sum().neg(); // Σ over images of the cross-entropy
                collector.backward(loss);
            }
            for (int b = 0; b < gates.length; b++) {
                stats.addTaylor(b, gates[b].getGradient().toType(DataType.FLOAT64, false).toDoubleArray());
                if (attention != null) {
                    attention.addTaylor(b, attentionGates[b].getGradient().toType(DataType.FLOAT64, false).toDoubleArray());
                }
            }
        }
    }

    /** Folds an activation into {@code hook}'s statistics, detached from the graph the backward pass walks. */
    private static void observe(NDManager tmp, StatsHook hook, int block, NDArray a) {
        try (NDManager statsScope = tmp.newSubManager()) {
            NDArray detached = a.stopGradient();
            detached.tempAttach(statsScope);
            hook.onHidden(block, detached);
        }
    }
}
