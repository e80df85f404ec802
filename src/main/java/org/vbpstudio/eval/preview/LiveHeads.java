package org.vbpstudio.eval.preview;

import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.HeadMaskHook;
import org.vbpstudio.stats.ActivationStats;

/**
 * The live plan's removed attention heads, as a {@link HeadMaskHook} the preview's pruned model
 * runs under (each removed head's channels of proj's input held at their means, or zero, which is
 * what the exported model computes). Not thread-safe: the engine changes it under its own lock.
 */
final class LiveHeads implements AutoCloseable {

    private final NDManager manager;
    private final ModelConfig config;
    private final int[][] applied;
    private HeadMaskHook hook;
    private Compensation compensation = Compensation.NONE;
    private double ridge;
    private ActivationStats stats;

    LiveHeads(NDManager manager, ModelConfig config) {
        this.manager = manager;
        this.config = config;
        this.applied = new int[config.depth()][];
    }

    /**
     * Removes {@code removed[b]} heads of block b (null, or a null or empty entry: none), their
     * means from {@code stats} when compensating by the mean, their prediction from the kept heads
     * when refitting ({@code ridge}: its λ).
     *
     * @return the first block whose computation changed ({@code depth} when none did)
     * @throws IllegalArgumentException for heads of a family without them, or out of range, or all of a block's, or
     *                                  compensation without the attention outputs' statistics (a refit: their
     *                                  second moments)
     */
    int set(int[][] removed, Compensation withCompensation, double withRidge, ActivationStats withStats) {
        int depth = config.depth();
        int[][] next = new int[depth][];
        boolean any = false;
        for (int b = 0; removed != null && b < depth; b++) {
            if (removed[b] != null && removed[b].length > 0) {
                next[b] = removed[b].clone();
                Arrays.sort(next[b]);
                any = true;
            }
        }
        if (removed != null && removed.length != depth) {
            throw new IllegalArgumentException("removed heads for " + removed.length + " blocks, the model has " + depth);
        }
        if (any && !HeadMaskHook.supports(config)) {
            throw new IllegalArgumentException("a " + config.family().displayName() + " has no attention heads to remove");
        }
        for (int b = 0; b < depth; b++) { // every block checked before anything changes
            if (next[b] != null) {
                HeadMaskHook.checkRemoved(b, next[b], config.numHeads(b));
            }
        }
        // without removed heads the hook needs no statistics: it is built uncompensated, and rebuilt
        // once heads are removed under a compensation
        Compensation effective = any ? withCompensation : Compensation.NONE;
        boolean rebuild = hook == null && any
                || hook != null && (effective != compensation || withStats != stats
                        || effective == Compensation.REFIT && Double.compare(withRidge, ridge) != 0);
        int changed = depth;
        if (rebuild) {
            HeadMaskHook fresh = new HeadMaskHook(manager, config, withStats, effective, withRidge, MlpHook.NONE);
            if (hook != null) {
                hook.close();
            }
            hook = fresh;
            compensation = effective;
            ridge = withRidge;
            stats = withStats;
            Arrays.fill(applied, null);
            for (int b = 0; b < depth; b++) {
                if (next[b] != null) {
                    changed = Math.min(changed, b);
                }
            }
        }
        for (int b = 0; b < depth; b++) {
            if (!Arrays.equals(next[b], applied[b])) {
                hook.setBlock(b, next[b]);
                applied[b] = next[b];
                changed = Math.min(changed, b);
            }
        }
        return changed;
    }

    /** The first block with heads removed ({@code depth} when none). */
    int firstRemoved() {
        int b = 0;
        while (b < applied.length && applied[b] == null) {
            b++;
        }
        return b;
    }

    /** The hook the pruned model runs under (the identity when no head is removed). */
    MlpHook hook() {
        return hook == null ? MlpHook.NONE : hook;
    }

    @Override
    public void close() {
        if (hook != null) {
            hook.close();
            hook = null;
        }
    }
}
