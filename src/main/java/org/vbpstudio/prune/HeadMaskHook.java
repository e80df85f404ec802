package org.vbpstudio.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.SecondMoments;

/**
 * Removed attention heads for fast previews: each removed head's d_h channels of proj's input are
 * replaced by their calibration means (compensation on) or by 0 (off), which is exactly what
 * {@link HeadSurgery} computes (proj over a constant mean is the bias it folds in). The MLP's
 * hidden activations go to {@code mlp} (a neuron {@link MaskHook} or {@link MlpHook#NONE}).
 *
 * <p>With a refit ({@link Compensation#REFIT}) the removed channels are held at their affine
 * prediction from the kept ones instead ({@link HeadSurgery#prediction}): context · mask + context · P
 * + fill, P [A, A] holding the prediction's weights in the removed channels' columns, which is what
 * the refitted proj computes.
 *
 * <p>Per masked block it holds a 0/1 mask and a fill {@code [h_b·d_h]} (and P) in native memory of its
 * own sub-manager, released by {@link #close()} or when the block is replaced. Changes are
 * synchronized; {@link #onAttention} only reads a block's arrays under the lock, as in {@link MaskHook}.
 */
public final class HeadMaskHook implements MlpHook, AutoCloseable {
    /**
     * Whether this mask can hold this model's heads at their means: every family with removable heads
     * ({@link ModelConfig#hasAttentionHeads()}: ViT, DeiT, DeiT III, Swin). Each block's heads and
     * head width come from the config, so a Swin's stages with heads of other widths fit; its
     * windowed context {@code [B·windows, N, h_b·d_h]} is masked on its last axis as a ViT's.
     */
    public static boolean supports(ModelConfig config) {
        return config.hasAttentionHeads();
    }
    private final NDManager manager;
    private final MlpHook mlp;
    private final int[] heads;
    private final int[] headDims;
    private final double[][] means;
    private final int[][] removed;
    private final NDArray[] mask;
    private final NDArray[] fill;
    private final NDArray[] predict;
    private final ModelConfig cfg;
    private final SecondMoments moments;
    private final double ridge;

    /** As below, removed heads held at their means (compensation on) or zero. */
    public HeadMaskHook(NDManager parent, ModelConfig cfg, ActivationStats stats, boolean compensation, MlpHook mlp) {
        this(parent, cfg, stats, Compensation.meanIf(compensation), PruningPlan.DEFAULT_RIDGE, mlp);
    }

    /**
     * An identity hook (no head removed) for {@code cfg}'s heads, compensating as {@code compensation}
     * says ({@code ridge}: a refit's λ).
     *
     * @param stats the model's statistics, holding the attention outputs' (with their second moments for a
     *              refit) when compensating
     * @throws IllegalArgumentException if compensating without those statistics, or they do not fit
     */
    public HeadMaskHook(NDManager parent, ModelConfig cfg, ActivationStats stats, Compensation compensation,
            double ridge, MlpHook mlp) {
        if (!supports(cfg)) {
            throw new IllegalArgumentException("a " + cfg.family() + " model has no attention heads to mask");
        }
        this.heads = cfg.blockHeads();
        this.headDims = new int[heads.length];
        for (int b = 0; b < heads.length; b++) {
            headDims[b] = cfg.headDim(b);
        }
        this.mlp = mlp;
        this.cfg = cfg;
        this.ridge = ridge;
        this.means = new double[heads.length][];
        if (compensation == Compensation.REFIT && !HeadSurgery.canRefit(stats)) {
            throw new IllegalArgumentException(HeadSurgery.REFIT_NEEDS_MOMENTS);
        }
        this.moments = compensation == Compensation.REFIT ? stats.attention().secondMoments() : null;
        if (compensation == Compensation.MEAN) {
            if (stats == null || !stats.hasAttention()) {
                throw new IllegalArgumentException(HeadSurgery.NEEDS_ATTENTION);
            }
            for (int b = 0; b < heads.length; b++) {
                means[b] = stats.attention().mean(b);
                if (means[b].length != heads[b] * headDims[b]) {
                    throw new IllegalArgumentException("block " + b + ": attention statistics of width "
                            + means[b].length + " do not fit " + heads[b] + " heads of " + headDims[b]);
                }
            }
        }
        this.removed = new int[heads.length][];
        this.mask = new NDArray[heads.length];
        this.fill = new NDArray[heads.length];
        this.predict = new NDArray[heads.length];
        this.manager = parent.newSubManager();
    }

    /** A hook removing {@code removed[b]} heads of every block b (null or empty: none). */
    public static HeadMaskHook of(NDManager parent, ModelConfig cfg, int[][] removed, ActivationStats stats,
            boolean compensation, MlpHook mlp) {
        return of(parent, cfg, removed, stats, Compensation.meanIf(compensation), PruningPlan.DEFAULT_RIDGE, mlp);
    }

    /** The same, compensating as {@code compensation} says ({@code ridge}: a refit's λ). */
    public static HeadMaskHook of(NDManager parent, ModelConfig cfg, int[][] removed, ActivationStats stats,
            Compensation compensation, double ridge, MlpHook mlp) {
        HeadMaskHook hook = new HeadMaskHook(parent, cfg, stats, compensation, ridge, mlp);
        try {
            hook.setAll(removed);
        } catch (RuntimeException e) {
            hook.close();
            throw e;
        }
        return hook;
    }

    /** Sets every block; {@code removedPerBlock.length} must be the depth. */
    public synchronized void setAll(int[][] removedPerBlock) {
        if (removedPerBlock.length != heads.length) {
            throw new IllegalArgumentException("removed heads for " + removedPerBlock.length + " blocks, the model has "
                    + heads.length);
        }
        for (int b = 0; b < heads.length; b++) {
            setBlock(b, removedPerBlock[b]);
        }
    }

    /**
     * Removes heads {@code removedHeads} of block b (unique, in range, at least one head left); null
     * or empty unmasks the block.
     */
    public synchronized void setBlock(int b, int[] removedHeads) {
        int[] r = removedHeads == null || removedHeads.length == 0 ? null : removedHeads.clone();
        if (r != null) {
            checkRemoved(b, r, heads[b]);
        }
        release(b);
        removed[b] = r;
        if (r == null) {
            return;
        }
        int width = heads[b] * headDims[b];
        float[] m = new float[width];
        Arrays.fill(m, 1f);
        int[] channels = HeadSurgery.channels(r, headDims[b]);
        for (int c : channels) {
            m[c] = 0f;
        }
        mask[b] = manager.create(m);
        if (moments != null) {
            predict(b, width);
            return;
        }
        float[] f = fill(b, channels, width);
        if (f != null) {
            fill[b] = manager.create(f);
        }
    }

    /** Block b's P and fill for a refit: the removed channels' prediction from the kept ones. */
    private void predict(int b, int width) {
        int[] kept = Selection.complement(HeadSurgery.channels(removed[b], headDims[b]), width);
        int[] gone = Selection.complement(kept, width); // ascending, as the prediction's rows
        Refit.Fc2 p = HeadSurgery.prediction(cfg, b, kept, moments, ridge);
        float[] weights = p.weight().data();
        float[] matrix = new float[width * width]; // [in, out]: context · P
        float[] f = new float[width];
        for (int i = 0; i < gone.length; i++) {
            for (int k = 0; k < kept.length; k++) {
                matrix[kept[k] * width + gone[i]] = weights[i * kept.length + k];
            }
            f[gone[i]] = p.bias().data()[i];
        }
        predict[b] = manager.create(matrix, new Shape(width, width));
        fill[b] = manager.create(f);
    }

    /**
     * What block b's removed {@code channels} of proj's input are held at (0 elsewhere), or null for
     * zeros: their calibration means when compensating. The one place the mask decides a removed
     * head's value, so it follows how {@link HeadSurgery} compensates.
     */
    private float[] fill(int b, int[] channels, int width) {
        if (means[b] == null) {
            return null;
        }
        float[] f = new float[width];
        for (int c : channels) {
            f[c] = (float) means[b][c];
        }
        return f;
    }

    /** Block b's removed heads, or null when it keeps them all. */
    public synchronized int[] removed(int b) {
        return removed[b] == null ? null : removed[b].clone();
    }

    @Override
    public NDArray onHidden(int block, NDArray hidden) {
        return mlp.onHidden(block, hidden);
    }

    /** context [B, T, h_b·d_h] → context · mask (+ context · P) + fill; unmasked blocks pass through untouched. */
    @Override
    public NDArray onAttention(int block, NDArray context) {
        NDArray m;
        NDArray f;
        NDArray p;
        synchronized (this) {
            m = mask[block];
            f = fill[block];
            p = predict[block];
        }
        NDArray in = mlp.onAttention(block, context);
        if (m == null) {
            return in;
        }
        NDArray out = in.mul(m);
        if (p != null) {
            out = out.addi(in.matMul(p));
        }
        return f == null ? out : out.add(f);
    }

    @Override
    public synchronized void close() {
        manager.close();
    }

    /**
     * Refuses heads {@code r} of block b unless they are distinct, in [0, h) and leave a head: the
     * check the hook makes, for callers that check every block before changing any.
     */
    public static void checkRemoved(int b, int[] r, int h) {
        if (r.length >= h) {
            throw new IllegalArgumentException("block " + b + ": at least one of its " + h + " heads must be kept");
        }
        boolean[] seen = new boolean[h];
        for (int x : r) {
            if (x < 0 || x >= h || seen[x]) {
                throw new IllegalArgumentException("block " + b + ": head " + x + (x < 0 || x >= h
                        ? " is outside [0, " + h + ")" : " is removed twice"));
            }
            seen[x] = true;
        }
    }

    private void release(int b) {
        if (mask[b] != null) {
            mask[b].close();
            mask[b] = null;
        }
        if (fill[b] != null) {
            fill[b].close();
            fill[b] = null;
        }
        if (predict[b] != null) {
            predict[b].close();
            predict[b] = null;
        }
    }
}
