package org.vbpstudio.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.stats.ActivationStats;

/**
 * A masked model for fast previews: in each masked block, the removed neurons' GELU
 * outputs are replaced by their means μ (compensation on) or by 0 (off) before {@code fc2}. This is
 * exactly what {@link Surgery} computes: fc2 over a constant μ_j contributes {@code W[:, j] μ_j} to
 * every token, which surgery folds into the bias. Only float rounding differs.
 *
 * <p>Per block it holds a 0/1 mask {@code [H_b]} and a fill {@code [H_b]} (μ where removed, else 0),
 * in native memory owned by its own sub-manager, released by {@link #close()} or when a block is
 * replaced. Blocks start unmasked (the hook is then the identity); {@link #setBlock} replaces one
 * block's choice cheaply, so the app can re-run only the blocks from the changed one onwards on
 * cached inputs. Changes are synchronized; {@link #onHidden} only reads the block's arrays under the
 * lock, so several chunks can be masked at once (the preview never changes a block mid-pass).
 */
public final class MaskHook implements MlpHook, AutoCloseable {
    private final NDManager manager;
    private final int[] widths;
    private final double[][] means;
    private boolean compensation;
    private final int[][] kept;
    private final NDArray[] mask;
    private final NDArray[] fill;

    /**
     * An identity hook for a model of {@code cfg}'s widths.
     *
     * @param stats        the model's statistics (means); may be null when {@code compensation} is off
     * @throws IllegalArgumentException if compensation is on without statistics, or the widths differ
     */
    public MaskHook(NDManager parent, ModelConfig cfg, ActivationStats stats, boolean compensation) {
        this.widths = cfg.mlpHiddenDims();
        if (stats != null && !Arrays.equals(stats.widths(), widths)) {
            throw new IllegalArgumentException("statistics of widths " + Arrays.toString(stats.widths())
                    + " do not fit a model of widths " + Arrays.toString(widths));
        }
        if (compensation && stats == null) {
            throw new IllegalArgumentException("compensation needs activation statistics (the neurons' means)");
        }
        this.means = new double[widths.length][];
        for (int b = 0; b < widths.length && stats != null; b++) {
            means[b] = stats.mean(b);
        }
        this.compensation = compensation;
        this.kept = new int[widths.length][];
        this.mask = new NDArray[widths.length];
        this.fill = new NDArray[widths.length];
        this.manager = parent.newSubManager();
    }

    /** A hook masking every block as {@code kept} says (as {@link Surgery#apply} would prune it). */
    public static MaskHook of(NDManager parent, ModelConfig cfg, int[][] kept, ActivationStats stats,
            boolean compensation) {
        MaskHook hook = new MaskHook(parent, cfg, stats, compensation);
        try {
            hook.setAll(kept);
        } catch (RuntimeException e) {
            hook.close();
            throw e;
        }
        return hook;
    }

    /** Masks every block; {@code kept.length} must be the depth. */
    public synchronized void setAll(int[][] keptPerBlock) {
        if (keptPerBlock.length != widths.length) {
            throw new IllegalArgumentException("kept indices for " + keptPerBlock.length + " blocks, the model has "
                    + widths.length);
        }
        for (int b = 0; b < widths.length; b++) {
            setBlock(b, keptPerBlock[b]);
        }
    }

    /**
     * Keeps neurons {@code keptIndices} of block {@code b} (sorted, unique, in range, non-empty, as
     * for surgery); null or all neurons unmasks the block.
     */
    public synchronized void setBlock(int b, int[] keptIndices) {
        int h = widths[b];
        if (keptIndices != null) {
            Surgery.checkBlock(b, keptIndices, h);
        }
        release(b);
        if (keptIndices == null || keptIndices.length == h) {
            kept[b] = null;
            return;
        }
        kept[b] = keptIndices.clone();
        float[] m = new float[h];
        for (int j : keptIndices) {
            m[j] = 1f;
        }
        mask[b] = manager.create(m);
        if (compensation) {
            float[] f = new float[h];
            for (int j = 0; j < h; j++) {
                f[j] = m[j] == 0f ? (float) means[b][j] : 0f;
            }
            fill[b] = manager.create(f);
        }
    }

    /** Switches between mean (on) and zero (off) replacement, keeping every block's choice. */
    public synchronized void setCompensation(boolean on) {
        if (on && Arrays.stream(means).anyMatch(x -> x == null)) {
            throw new IllegalArgumentException("compensation needs activation statistics (the neurons' means)");
        }
        compensation = on;
        for (int b = 0; b < widths.length; b++) {
            setBlock(b, kept[b]);
        }
    }

    public synchronized boolean compensation() {
        return compensation;
    }

    /** Block {@code b}'s kept indices, or null when it is unmasked. */
    public synchronized int[] kept(int b) {
        return kept[b] == null ? null : kept[b].clone();
    }

    /** hidden [B, …, H_b] (tokens or positions) → hidden · mask + fill; unmasked blocks pass through untouched. */
    @Override
    public NDArray onHidden(int block, NDArray hidden) {
        NDArray m;
        NDArray f;
        synchronized (this) { // the arrays only; the ops run unlocked so chunks can be masked side by side
            m = mask[block];
            f = fill[block];
        }
        if (m == null) {
            return hidden;
        }
        NDArray out = hidden.mul(m); // called on the activation: the result is the caller's
        return f == null ? out : out.add(f);
    }

    @Override
    public synchronized void close() {
        manager.close();
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
