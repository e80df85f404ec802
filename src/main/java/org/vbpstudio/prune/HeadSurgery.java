package org.vbpstudio.prune;

import java.util.Arrays;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.SecondMoments;

/**
 * Removes whole attention heads from a model whose blocks have them (ViT, Swin: {@link
 * ModelConfig#hasAttentionHeads()}). Block b's attention output is proj(concat_h o_h), linear
 * in each head's context vector o_h (d_h channels of proj's input), so a removed head can be replaced
 * by its mean: {@code proj.bias += proj.weight[:, cols(h)] @ mean(o_h)} (summed in double precision).
 * The head's rows of q, k and v (offsets h·d_h, A + h·d_h, 2A + h·d_h in qkv, A = h_b·d_h) and its
 * columns of proj go, and so does its column of every tensor the config names as one column per head
 * ({@link ModelConfig#headColumnTensors}: Swin's relative position bias table); D and d_h stay. Every
 * index is checked before anything changes, and the input weights are never modified.
 *
 * <p>A refit ({@link Compensation#REFIT}) generalises the mean: a removed head's context vector is
 * replaced by its least-squares affine {@link #prediction} from the kept heads' (from the second
 * moments of proj's input), folded into proj's kept columns and bias. A head's context is a mix of
 * value vectors that changes with every image, so a constant keeps little of it; what the kept heads
 * attended to predicts part of the rest.
 */
public final class HeadSurgery {
    private HeadSurgery() {}

    /** Weights and config (of the input's own family) after surgery. */
    public record Result<C extends ModelConfig>(C config, ModelWeights weights) {}

    /**
     * @param kept         per block, the heads to keep: sorted ascending, unique, within [0, h_b), at least one
     * @param stats        statistics of the model holding its attention outputs' (with their second
     *                     moments for REFIT); only read when compensating
     * @param compensation MEAN folds the removed heads' means into proj.bias; REFIT refits proj on the kept
     *                     heads ({@code ridge}: its λ); NONE drops them
     * @throws IllegalArgumentException if {@code kept} or {@code stats} do not fit the model or lack what
     *                                  the compensation needs
     */
    public static <C extends ModelConfig> Result<C> apply(C cfg, ModelWeights weights, int[][] kept,
            ActivationStats stats, Compensation compensation, double ridge) {
        if (compensation != Compensation.NONE && (stats == null || !stats.hasAttention())) {
            throw new IllegalArgumentException(NEEDS_ATTENTION);
        }
        if (compensation == Compensation.REFIT) {
            if (!canRefit(stats)) {
                throw new IllegalArgumentException(REFIT_NEEDS_MOMENTS);
            }
            return refit(cfg, weights, kept, stats.attention().secondMoments(), ridge);
        }
        double[][] means = new double[cfg.depth()][];
        if (compensation == Compensation.MEAN) {
            for (int b = 0; b < cfg.depth(); b++) {
                means[b] = stats.attention().mean(b);
            }
        }
        return apply(cfg, weights, kept, means);
    }

    /** As above, a refit with the default λ ({@link PruningPlan#DEFAULT_RIDGE}). */
    public static <C extends ModelConfig> Result<C> apply(C cfg, ModelWeights weights, int[][] kept,
            ActivationStats stats, Compensation compensation) {
        return apply(cfg, weights, kept, stats, compensation, PruningPlan.DEFAULT_RIDGE);
    }

    /** Why heads cannot be compensated from statistics without the attention outputs'. */
    static final String NEEDS_ATTENTION = "head compensation needs the attention outputs' statistics"
            + " (collect statistics again: older files hold the MLPs' only)";

    /** Why heads cannot be refitted from statistics without the attention outputs' second moments. */
    public static final String REFIT_NEEDS_MOMENTS = "refitting attention heads needs the second moments of the"
            + " attention outputs: collect statistics again with stats --refit";

    /** Whether {@code stats} hold what refitting heads needs: the attention outputs' second moments. */
    public static boolean canRefit(ActivationStats stats) {
        return stats != null && stats.hasAttention() && stats.attention().hasSecondMoments();
    }

    /** Surgery with given channel means of proj's input ({@code means[b]} null: block b uncompensated). */
    public static <C extends ModelConfig> Result<C> apply(C cfg, ModelWeights weights, int[][] kept, double[][] means) {
        check(cfg, kept, means);
        return cut(cfg, weights, kept, (b, cols) -> {
            String k = cfg.attentionName(b, "");
            HostTensor proj = weights.get(k + "proj.weight");
            HostTensor bias = weights.get(k + "proj.bias");
            return new Refit.Fc2(proj.selectColumns(cols), means[b] == null ? bias.copy()
                    : Surgery.compensatedBias(bias, proj, Selection.complement(cols, cfg.attentionDim(b)), means[b]));
        });
    }

    /**
     * Surgery refitting proj of every block that loses heads on its kept heads' channels, from
     * {@code moments}: the second moments of proj's input (z = [o; 1]) with λ {@code ridge}.
     */
    public static <C extends ModelConfig> Result<C> refit(C cfg, ModelWeights weights, int[][] kept,
            SecondMoments moments, double ridge) {
        check(cfg, kept, new double[cfg.depth()][]);
        if (moments.depth() != cfg.depth()) {
            throw new IllegalArgumentException("second moments of " + moments.depth() + " blocks for a model of depth "
                    + cfg.depth());
        }
        return cut(cfg, weights, kept, (b, cols) -> refittedProj(cfg, weights, b, cols, moments, ridge));
    }

    /**
     * The least-squares affine prediction of block {@code b}'s removed channels of proj's input from
     * its kept channels {@code cols}, over the calibration tokens, with ridge λ on the weights: weight
     * M [|removed|, |cols|] and bias c [|removed|]. It is {@link Refit} of the layer that picks the
     * removed channels out of proj's input; with no kept channel correlated to them, M = 0 and c is
     * their mean (mean compensation).
     */
    public static Refit.Fc2 prediction(ModelConfig cfg, int b, int[] cols, SecondMoments moments, double ridge) {
        int width = cfg.attentionDim(b);
        int[] removed = Selection.complement(cols, width);
        float[] pick = new float[removed.length * width];
        for (int i = 0; i < removed.length; i++) {
            pick[i * width + removed[i]] = 1;
        }
        return Refit.fc2(new HostTensor(new long[] {removed.length, width}, pick),
                new HostTensor(new long[] {removed.length}, new float[removed.length]), cols, moments, b, ridge);
    }

    /**
     * Block {@code b}'s proj over the kept channels {@code cols} with the removed channels replaced by
     * their {@link #prediction}: W' = W[:, cols] + W[:, removed] M, b' = b + W[:, removed] c (in double).
     */
    public static Refit.Fc2 refittedProj(ModelConfig cfg, ModelWeights weights, int b, int[] cols,
            SecondMoments moments, double ridge) {
        String k = cfg.attentionName(b, "");
        HostTensor proj = weights.get(k + "proj.weight");
        float[] w = proj.data();
        float[] bias = weights.get(k + "proj.bias").data();
        int d = (int) proj.dim(0);
        int width = (int) proj.dim(1);
        int[] removed = Selection.complement(cols, width);
        Refit.Fc2 p = prediction(cfg, b, cols, moments, ridge);
        float[] m = p.weight().data();
        float[] c = p.bias().data();
        float[] nw = new float[d * cols.length];
        float[] nb = new float[d];
        for (int r = 0; r < d; r++) {
            double shift = bias[r];
            for (int i = 0; i < removed.length; i++) {
                shift += (double) w[r * width + removed[i]] * c[i];
            }
            nb[r] = (float) shift;
            for (int j = 0; j < cols.length; j++) {
                double v = w[r * width + cols[j]];
                for (int i = 0; i < removed.length; i++) {
                    v += (double) w[r * width + removed[i]] * m[i * cols.length + j];
                }
                nw[r * cols.length + j] = (float) v;
            }
        }
        return new Refit.Fc2(new HostTensor(new long[] {d, cols.length}, nw), new HostTensor(new long[] {d}, nb));
    }

    /** The new proj of block b given the kept channels of its input. */
    private interface ProjFold {
        Refit.Fc2 proj(int b, int[] keptChannels);
    }

    /** The surgery itself, {@code kept} checked: qkv rows, per-head columns and proj as {@code fold} makes it. */
    private static <C extends ModelConfig> Result<C> cut(C cfg, ModelWeights weights, int[][] kept, ProjFold fold) {
        ModelWeights w = weights.copy();
        int[] heads = new int[cfg.depth()];
        for (int b = 0; b < cfg.depth(); b++) {
            heads[b] = kept[b].length;
            if (kept[b].length == cfg.numHeads(b)) {
                continue;
            }
            String k = cfg.attentionName(b, "");
            int width = cfg.attentionDim(b);
            int[] cols = channels(kept[b], cfg.headDim(b));
            int[] rows = new int[3 * cols.length];
            for (int part = 0; part < 3; part++) {
                for (int i = 0; i < cols.length; i++) {
                    rows[part * cols.length + i] = part * width + cols[i];
                }
            }
            w.put(k + "qkv.weight", weights.get(k + "qkv.weight").selectRows(rows));
            w.put(k + "qkv.bias", weights.get(k + "qkv.bias").selectRows(rows));
            Refit.Fc2 proj = fold.proj(b, cols);
            w.put(k + "proj.weight", proj.weight());
            w.put(k + "proj.bias", proj.bias());
            for (String perHead : cfg.headColumnTensors(b)) {
                w.put(perHead, weights.get(perHead).selectColumns(kept[b]));
            }
        }
        @SuppressWarnings("unchecked") // every family's withBlockHeads returns its own config type
        C pruned = (C) cfg.withBlockHeads(heads);
        return new Result<>(pruned, w);
    }

    /** Head h's channels h·d_h … (h+1)·d_h − 1 of proj's input, for every head in {@code heads}. */
    static int[] channels(int[] heads, int dh) {
        int[] c = new int[heads.length * dh];
        for (int i = 0; i < heads.length; i++) {
            for (int j = 0; j < dh; j++) {
                c[i * dh + j] = heads[i] * dh + j;
            }
        }
        return c;
    }

    /** All checks, before any tensor is touched. */
    static void check(ModelConfig cfg, int[][] kept, double[][] means) {
        if (!cfg.hasAttentionHeads()) {
            throw new IllegalArgumentException("a " + cfg.family() + " model has no attention heads to prune");
        }
        if (kept == null || kept.length != cfg.depth()) {
            throw new IllegalArgumentException("kept heads for " + (kept == null ? 0 : kept.length)
                    + " blocks, but the model has " + cfg.depth());
        }
        if (means.length != cfg.depth()) {
            throw new IllegalArgumentException(means.length + " blocks of means for a model of depth " + cfg.depth());
        }
        for (int b = 0; b < kept.length; b++) {
            int[] k = kept[b];
            if (k == null || k.length == 0) {
                throw new IllegalArgumentException("block " + b + ": at least one head must be kept");
            }
            for (int i = 0; i < k.length; i++) {
                if (k[i] < 0 || k[i] >= cfg.numHeads(b)) {
                    throw new IllegalArgumentException("block " + b + ": head " + k[i] + " is outside [0, "
                            + cfg.numHeads(b) + ")");
                }
                if (i > 0 && k[i] <= k[i - 1]) {
                    throw new IllegalArgumentException("block " + b + ": kept heads must be sorted ascending and unique ("
                            + k[i - 1] + " then " + k[i] + ")");
                }
            }
            if (means[b] != null && means[b].length != cfg.attentionDim(b)) {
                throw new IllegalArgumentException("block " + b + ": " + means[b].length + " channel means for an"
                        + " attention of width " + cfg.attentionDim(b) + " " + Arrays.toString(cfg.blockHeads()));
            }
        }
    }
}
