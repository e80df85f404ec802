package org.vbpstudio.eval.preview;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.Surgery;
import org.vbpstudio.stats.ActivationStats;

/**
 * The live plan's pruned MLPs: per block the kept neurons applied and the tensors the export would
 * write for them ({@link Surgery#block}: fewer neurons, compensated), which the preview's pruned
 * model reads in place of the original's. A new plan rebuilds only the blocks whose choice or
 * compensation changed. Changed under the engine's lock; {@link #override} is read by its workers.
 */
final class LiveMlps {
    private static final String[] TENSORS = {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"};

    private final ModelConfig config;
    private final ModelWeights weights;
    private final NDManager manager;
    /** The pruned blocks' tensors by timm name. */
    private final Map<String, NDArray> overrides = new ConcurrentHashMap<>();
    private final int[][] applied;
    private ActivationStats stats;
    private Compensation compensation = Compensation.NONE;
    private double ridge = PruningPlan.DEFAULT_RIDGE;

    /** @param manager owns the pruned tensors (the engine's; closing it frees them) */
    LiveMlps(ModelConfig config, ModelWeights weights, NDManager manager) {
        this.config = config;
        this.weights = weights;
        this.manager = manager;
        this.applied = new int[config.depth()][];
    }

    /** The pruned tensor named {@code name}, or null where the original's stands. */
    NDArray override(String name) {
        return overrides.get(name);
    }

    /**
     * Refuses, before anything changes, a plan whose kept neurons or statistics do not fit the
     * model or whose compensation lacks what it needs.
     *
     * @throws IllegalArgumentException saying what does not fit
     */
    void check(int[][] kept, Compensation withCompensation, ActivationStats withStats) {
        if (kept.length != config.depth()) {
            throw new IllegalArgumentException("kept indices for " + kept.length + " blocks, the model has "
                    + config.depth());
        }
        if (withCompensation.needsStatistics() && withStats == null) {
            throw new IllegalArgumentException("compensation needs activation statistics (the neurons' means)");
        }
        if (withCompensation == Compensation.REFIT && !Surgery.canRefit(withStats)) {
            throw new IllegalArgumentException(Compensation.REFIT_NEEDS_STATISTICS);
        }
        if (withStats != null && !Arrays.equals(withStats.widths(), config.mlpHiddenDims())) {
            throw new IllegalArgumentException("statistics of widths " + Arrays.toString(withStats.widths())
                    + " do not fit a model of widths " + Arrays.toString(config.mlpHiddenDims()));
        }
    }

    /**
     * Block b keeps {@code kept[b]} (null or all of them: the original MLP), compensated as
     * {@code withCompensation} says ({@code withRidge}: a refit's λ). Call {@link #check} first.
     *
     * @return the first block whose MLP changed ({@code depth} when none did)
     */
    int set(int[][] kept, Compensation withCompensation, double withRidge, ActivationStats withStats) {
        boolean compensationChanged = withStats != stats || withCompensation != compensation
                || withCompensation == Compensation.REFIT && Double.compare(withRidge, ridge) != 0;
        stats = withStats;
        compensation = withCompensation;
        ridge = withRidge;
        int changed = config.depth();
        for (int b = 0; b < config.depth(); b++) {
            int[] k = kept[b] == null || kept[b].length == config.mlpHiddenDim(b) ? null : kept[b];
            if (!Arrays.equals(k, applied[b]) || (compensationChanged && k != null)) {
                upload(b, k);
                applied[b] = k == null ? null : k.clone();
                changed = Math.min(changed, b);
            }
        }
        return changed;
    }

    /** The first block with a pruned MLP ({@code depth} when none is pruned). */
    int firstPruned() {
        int b = 0;
        while (b < applied.length && applied[b] == null) {
            b++;
        }
        return b;
    }

    /** Forgets the pruned tensors (their manager frees them). */
    void clear() {
        overrides.clear();
    }

    /** Uploads block b's pruned MLP (null: the original's), replacing the previous one. */
    private void upload(int b, int[] keep) {
        Surgery.Mlp mlp = keep == null ? null : Surgery.block(config, weights, b, keep, compensation, stats, ridge);
        HostTensor[] tensors = mlp == null ? null
                : new HostTensor[] {mlp.fc1Weight(), mlp.fc1Bias(), mlp.fc2Weight(), mlp.fc2Bias()};
        for (int i = 0; i < TENSORS.length; i++) {
            String name = config.mlpName(b, TENSORS[i]);
            NDArray old = tensors == null ? overrides.remove(name)
                    : overrides.put(name, manager.create(tensors[i].data(), new Shape(tensors[i].shape())));
            if (old != null) {
                old.close();
            }
        }
    }
}
