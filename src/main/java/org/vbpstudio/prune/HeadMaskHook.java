package org.vbpstudio.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.stats.ActivationStats;

/**
 * Removed attention heads for fast previews: each removed head's d_h channels of proj's input are
 * replaced by their calibration means (compensation on) or by 0 (off), which is exactly what
 * {@link HeadSurgery} computes (proj over a constant mean is the bias it folds in). The MLP's
 * hidden activations go to {@code mlp} (a neuron {@link MaskHook} or {@link MlpHook#NONE}).
 *
 * <p>Per masked block it holds a 0/1 mask and a fill {@code [h_b·d_h]} in native memory of its
 * own sub-manager, released by {@link #close()} or when the block is replaced. Changes are
 * synchronized; {@link #onAttention} only reads a block's arrays under the lock, as in {@link MaskHook}.
 */
public final class HeadMaskHook implements MlpHook, AutoCloseable {
    /**
     * Whether this mask can hold this model's heads at their means: families whose blocks share one
     * head width (ViT, DeiT, DeiT III). A Swin's stages have heads of different widths, which the
     * mask does not take yet (the CLI prunes them).
     */
    public static boolean supports(ModelConfig config) {
        return config instanceof VitConfig;
    }
    private final NDManager manager;
    private final MlpHook mlp;
    private final int[] heads;
    private final int headDim;
    private final double[][] means;
    private final int[][] removed;
    private final NDArray[] mask;
    private final NDArray[] fill;

    /**
     * An identity hook (no head removed) for {@code cfg}'s heads.
     *
     * @param stats the model's statistics, holding the attention outputs' when {@code compensation} is on
     * @throws IllegalArgumentException if compensation is on without attention statistics, or they do not fit
     */
    public HeadMaskHook(NDManager parent, VitConfig cfg, ActivationStats stats, boolean compensation, MlpHook mlp) {
        this.heads = cfg.blockHeads();
        this.headDim = cfg.headDim();
        this.mlp = mlp;
        this.means = new double[heads.length][];
        if (compensation) {
            if (stats == null || !stats.hasAttention()) {
                throw new IllegalArgumentException("head compensation needs the attention outputs' statistics"
                        + " (collect statistics again: older files hold the MLPs' only)");
            }
            for (int b = 0; b < heads.length; b++) {
                means[b] = stats.attention().mean(b);
                if (means[b].length != heads[b] * headDim) {
                    throw new IllegalArgumentException("block " + b + ": attention statistics of width "
                            + means[b].length + " do not fit " + heads[b] + " heads of " + headDim);
                }
            }
        }
        this.removed = new int[heads.length][];
        this.mask = new NDArray[heads.length];
        this.fill = new NDArray[heads.length];
        this.manager = parent.newSubManager();
    }

    /** A hook removing {@code removed[b]} heads of every block b (null or empty: none). */
    public static HeadMaskHook of(NDManager parent, VitConfig cfg, int[][] removed, ActivationStats stats,
            boolean compensation, MlpHook mlp) {
        HeadMaskHook hook = new HeadMaskHook(parent, cfg, stats, compensation, mlp);
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
        int width = heads[b] * headDim;
        float[] m = new float[width];
        Arrays.fill(m, 1f);
        float[] f = new float[width];
        for (int c : HeadSurgery.channels(r, headDim)) {
            m[c] = 0f;
            f[c] = means[b] == null ? 0f : (float) means[b][c];
        }
        mask[b] = manager.create(m);
        if (means[b] != null) {
            fill[b] = manager.create(f);
        }
    }

    /** Block b's removed heads, or null when it keeps them all. */
    public synchronized int[] removed(int b) {
        return removed[b] == null ? null : removed[b].clone();
    }

    @Override
    public NDArray onHidden(int block, NDArray hidden) {
        return mlp.onHidden(block, hidden);
    }

    /** context [B, T, h_b·d_h] → context · mask + fill; unmasked blocks pass through untouched. */
    @Override
    public NDArray onAttention(int block, NDArray context) {
        NDArray m;
        NDArray f;
        synchronized (this) {
            m = mask[block];
            f = fill[block];
        }
        NDArray in = mlp.onAttention(block, context);
        if (m == null) {
            return in;
        }
        NDArray out = in.mul(m);
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
    }
}
