package org.vbpstudio.prune;

import java.util.Arrays;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.SecondMoments;

/**
 * Applies a selection to a model: each block keeps rows {@code kept} of {@code mlp.fc1.weight} and
 * {@code mlp.fc1.bias} and the same columns of {@code mlp.fc2.weight}; with compensation the removed
 * neurons' mean outputs are folded into the bias,
 * {@code fc2.bias += fc2.weight[:, removed] @ μ[removed]} (summed in double precision). Config and
 * weights change together, and the indices are checked before anything changes; the input model is
 * never modified (the result shares no arrays with it).
 */
public final class Surgery {
    private Surgery() {}

    /** Weights and config after surgery. */
    public record Result(ModelConfig config, ModelWeights weights) {}

    /**
     * The pruned model: same preprocessing, labels and directory, timm layout.
     *
     * @param kept  per block, the neurons to keep: sorted ascending, unique, in range, non-empty
     * @param stats statistics of {@code model} (its widths); needed only with compensation
     * @throws IllegalArgumentException if {@code kept} or {@code stats} do not fit the model
     * @throws BadInputException        for a refit without refit statistics
     */
    public static LoadedModel apply(LoadedModel model, int[][] kept, ActivationStats stats, Compensation compensation) {
        return apply(model, kept, stats, compensation, PruningPlan.DEFAULT_RIDGE);
    }

    /** As above, {@code ridge} being the λ of a {@link Compensation#REFIT}. */
    public static LoadedModel apply(LoadedModel model, int[][] kept, ActivationStats stats, Compensation compensation,
            double ridge) {
        Result r = apply(model.config(), model.weights(), kept, stats, compensation, ridge);
        return model.with(r.config(), r.weights(), model.directory());
    }

    /** The same on bare config and weights. */
    public static Result apply(ModelConfig cfg, ModelWeights weights, int[][] kept, ActivationStats stats,
            Compensation compensation, double ridge) {
        check(cfg, kept, stats, compensation);
        double[][] means = new double[cfg.depth()][];
        switch (compensation) {
            case NONE -> { }
            case MEAN -> {
                for (int b = 0; b < cfg.depth(); b++) {
                    means[b] = stats.mean(b);
                }
            }
            case REFIT -> {
                // the one place a refit is computed
                if (!canRefit(stats)) {
                    throw new BadInputException(Compensation.REFIT_NEEDS_STATISTICS);
                }
                ModelWeights w = weights.copy();
                int[] widths = new int[cfg.depth()];
                for (int b = 0; b < cfg.depth(); b++) {
                    widths[b] = kept[b].length;
                    block(cfg, weights, b, kept[b], compensation, stats, ridge).putInto(cfg, w, b);
                }
                return new Result(cfg.withMlpHiddenDims(widths), w);
            }
        }
        return apply(cfg, weights, kept, means);
    }

    /** Whether {@code stats} hold what a {@link Compensation#REFIT} needs: second moments ({@code stats --refit}). */
    public static boolean canRefit(ActivationStats stats) {
        return stats != null && stats.hasSecondMoments();
    }

    /**
     * Surgery with given means: block {@code b}'s removed neurons {@code j} add
     * {@code fc2.weight[:, j] * means[b][j]} to its bias ({@code means[b]} null: no compensation).
     * Replaying an export's report (the means it recorded) gives the same bytes as the surgery that wrote it.
     */
    public static Result apply(ModelConfig cfg, ModelWeights weights, int[][] kept, double[][] means) {
        check(cfg, kept, null, Compensation.NONE);
        ModelWeights w = weights.copy();
        int[] widths = new int[cfg.depth()];
        for (int b = 0; b < cfg.depth(); b++) {
            widths[b] = kept[b].length;
            if (means[b] != null && means[b].length != cfg.mlpHiddenDim(b)) {
                throw new IllegalArgumentException("block " + b + ": " + means[b].length + " means for "
                        + cfg.mlpHiddenDim(b) + " neurons");
            }
            block(cfg, w, b, kept[b], means[b]).putInto(cfg, w, b);
        }
        return new Result(cfg.withMlpHiddenDims(widths), w);
    }

    /** One block's pruned MLP: {@code fc1} rows and {@code fc2} columns kept, {@code fc2} bias compensated. */
    public record Mlp(HostTensor fc1Weight, HostTensor fc1Bias, HostTensor fc2Weight, HostTensor fc2Bias) {
        public void putInto(ModelConfig cfg, ModelWeights w, int b) {
            w.put(cfg.mlpName(b, "fc1.weight"), fc1Weight);
            w.put(cfg.mlpName(b, "fc1.bias"), fc1Bias);
            w.put(cfg.mlpName(b, "fc2.weight"), fc2Weight);
            w.put(cfg.mlpName(b, "fc2.bias"), fc2Bias);
        }
    }

    /**
     * Block {@code b} of {@code weights} (a model shaped {@code cfg}) keeping {@code keep} (checked) of
     * its neurons, exactly as {@link #apply} prunes it; the live preview runs these weights.
     *
     * @param mean the block's neuron means for compensation, or null for plain removal
     */
    public static Mlp block(ModelConfig cfg, ModelWeights weights, int b, int[] keep, double[] mean) {
        int hidden = cfg.mlpHiddenDim(b);
        checkBlock(b, keep, hidden);
        HostTensor w2 = weights.get(cfg.mlpName(b, "fc2.weight"));
        HostTensor b2 = weights.get(cfg.mlpName(b, "fc2.bias"));
        return new Mlp(weights.get(cfg.mlpName(b, "fc1.weight")).selectRows(keep),
                weights.get(cfg.mlpName(b, "fc1.bias")).selectRows(keep),
                w2.selectColumns(keep),
                mean == null ? b2 : compensatedBias(b2, w2, Selection.complement(keep, hidden), mean));
    }

    /**
     * Block {@code b} keeping {@code keep} (checked) of its neurons, compensated as
     * {@code compensation} says from {@code stats} ({@code ridge}: a refit's λ), exactly as
     * {@link #apply} prunes it; the live preview runs these weights.
     */
    public static Mlp block(ModelConfig cfg, ModelWeights weights, int b, int[] keep, Compensation compensation,
            ActivationStats stats, double ridge) {
        return switch (compensation) {
            case NONE -> block(cfg, weights, b, keep, null);
            case MEAN -> block(cfg, weights, b, keep, stats.mean(b));
            case REFIT -> refittedBlock(cfg, weights, b, keep, stats.secondMoments(), ridge);
        };
    }

    /**
     * Block {@code b} keeping {@code keep} (checked) of its neurons, {@code fc2}'s
     * kept columns and bias refitted in least squares from the block's second moments ({@link Refit}).
     */
    public static Mlp refittedBlock(ModelConfig cfg, ModelWeights weights, int b, int[] keep, SecondMoments moments,
            double ridge) {
        checkBlock(b, keep, cfg.mlpHiddenDim(b));
        Refit.Fc2 fc2 = Refit.fc2(weights.get(cfg.mlpName(b, "fc2.weight")),
                weights.get(cfg.mlpName(b, "fc2.bias")), keep, moments, b, ridge);
        return new Mlp(weights.get(cfg.mlpName(b, "fc1.weight")).selectRows(keep),
                weights.get(cfg.mlpName(b, "fc1.bias")).selectRows(keep), fc2.weight(), fc2.bias());
    }

    /** bias + W[:, removed] @ mean[removed], accumulated in double, rounded once to float. */
    static HostTensor compensatedBias(HostTensor bias, HostTensor fc2Weight, int[] removed, double[] mean) {
        int rows = (int) fc2Weight.dim(0);
        int cols = (int) fc2Weight.dim(1);
        float[] w = fc2Weight.data();
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            double sum = bias.data()[r];
            for (int j : removed) {
                sum += (double) w[r * cols + j] * mean[j];
            }
            out[r] = (float) sum;
        }
        return new HostTensor(bias.shape().clone(), out);
    }

    /** All checks, before any tensor is touched. */
    static void check(ModelConfig cfg, int[][] kept, ActivationStats stats, Compensation compensation) {
        if (kept == null || kept.length != cfg.depth()) {
            throw new IllegalArgumentException("kept indices for " + (kept == null ? 0 : kept.length)
                    + " blocks, but the model has " + cfg.depth());
        }
        for (int b = 0; b < kept.length; b++) {
            checkBlock(b, kept[b], cfg.mlpHiddenDim(b));
        }
        if (compensation.needsStatistics()) {
            if (stats == null) {
                throw new IllegalArgumentException("compensation needs activation statistics (the neurons' means)");
            }
            if (!Arrays.equals(stats.widths(), cfg.mlpHiddenDims())) {
                throw new IllegalArgumentException("statistics of widths " + Arrays.toString(stats.widths())
                        + " do not fit a model of widths " + Arrays.toString(cfg.mlpHiddenDims()));
            }
        }
    }

    /** One block's kept indices: non-empty, sorted ascending, unique, within [0, hidden). */
    static void checkBlock(int b, int[] k, int hidden) {
        if (k == null || k.length == 0) {
            throw new IllegalArgumentException("block " + b + ": at least one neuron must be kept");
        }
        for (int i = 0; i < k.length; i++) {
            if (k[i] < 0 || k[i] >= hidden) {
                throw new IllegalArgumentException("block " + b + ": index " + k[i] + " is outside [0, " + hidden + ")");
            }
            if (i > 0 && k[i] <= k[i - 1]) {
                throw new IllegalArgumentException("block " + b + ": kept indices must be sorted ascending"
                        + " and unique (" + k[i - 1] + " then " + k[i] + ")");
            }
        }
    }
}
