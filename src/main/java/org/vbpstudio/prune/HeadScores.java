package org.vbpstudio.prune;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.stats.ActivationStats;

/**
 * Scores of whole attention heads (low = removed first) and the per-block choice of heads to keep.
 * Head h of block b owns channels h·d_h … (h+1)·d_h − 1 of proj's input, whose statistics are
 * {@link ActivationStats#attention()}:
 * <ul>
 * <li>{@code variance}: Σ over the head's channels of their variance (what the mean stands in for);</li>
 * <li>{@code wifv}: Σ Var_c · ‖proj.weight[:, c]‖² (the variance proj passes on);</li>
 * <li>{@code magnitude}: ‖the head's q, k, v rows‖ · ‖its proj columns‖ (Frobenius norms);</li>
 * <li>{@code random}: uniform draws from the seed.</li>
 * <li>{@code taylor}: |Σ over the head's channels of their Taylor sums Σ x_c · ∂L/∂x_c| = |∂L/∂g| for one gate g
 *     of ones on the whole head ({@link org.vbpstudio.stats.TaylorCollector}).</li>
 * </ul>
 */
public final class HeadScores {
    private HeadScores() {}

    /** @throws IllegalArgumentException for a criterion heads have no score for, or missing statistics */
    public static double[][] scores(Criterion criterion, VitConfig cfg, ModelWeights w, ActivationStats stats,
            long seed) {
        if (criterion.needsStatistics() && (stats == null || !stats.hasAttention())) {
            throw new IllegalArgumentException("the " + criterion.jsonName() + " criterion needs the attention outputs'"
                    + " statistics (collect statistics again: older files hold the MLPs' only)");
        }
        int dh = cfg.headDim();
        double[][] s = new double[cfg.depth()][];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int b = 0; b < cfg.depth(); b++) {
            int heads = cfg.numHeads(b);
            s[b] = switch (criterion) {
                case VARIANCE -> perHead(stats.attention().variance(b), heads, dh);
                case WIFV -> perHead(weighted(stats.attention().variance(b), w.get(cfg.blockPrefix(b) + "attn.proj.weight")),
                        heads, dh);
                case MAGNITUDE -> magnitude(cfg, w, b);
                case RANDOM -> rng.doubles(heads).toArray();
                case TAYLOR -> taylor(stats.attention(), b, heads, dh);
                default -> throw new IllegalArgumentException("the " + criterion.jsonName() + " criterion has no"
                        + " score for attention heads (variance, wifv, magnitude, random or taylor)");
            };
        }
        return s;
    }

    /**
     * Per block, the heads kept when round(ratio × h_b) (half up) of the lowest-scoring ones go, ties
     * going to the lower index first, at least one kept; sorted ascending.
     */
    public static int[][] kept(double[][] scores, double ratio) {
        if (!(ratio >= 0 && ratio < 1)) {
            throw new IllegalArgumentException("head ratio " + ratio + " is outside [0, 1)");
        }
        int[][] kept = new int[scores.length][];
        for (int b = 0; b < scores.length; b++) {
            double[] s = scores[b];
            int remove = (int) Math.min(s.length - 1, Selection.roundHalfUp(ratio * s.length));
            Integer[] order = new Integer[s.length];
            Arrays.setAll(order, i -> i);
            Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> s[i] + 0.0).thenComparingInt(i -> i));
            kept[b] = Arrays.stream(order).skip(remove).mapToInt(Integer::intValue).sorted().toArray();
        }
        return kept;
    }

    /** The head gate's |gradient|: the absolute sum of its channels' Taylor sums. */
    private static double[] taylor(ActivationStats attention, int b, int heads, int dh) {
        if (!attention.hasTaylor()) {
            throw new IllegalArgumentException("the taylor criterion needs the attention outputs' gradients: give"
                    + " labelled --calibration images (statistics files keep the MLPs' Taylor sums only)");
        }
        double[] s = perHead(attention.taylorSum(b), heads, dh);
        for (int h = 0; h < s.length; h++) {
            s[h] = Math.abs(s[h]);
        }
        return s;
    }

    private static double[] perHead(double[] channels, int heads, int dh) {
        double[] s = new double[heads];
        for (int c = 0; c < heads * dh; c++) {
            s[c / dh] += channels[c];
        }
        return s;
    }

    /** Var_c · ‖proj.weight[:, c]‖² for each channel c of proj's input. */
    private static double[] weighted(double[] variance, HostTensor proj) {
        int rows = (int) proj.dim(0);
        int cols = (int) proj.dim(1);
        double[] out = new double[cols];
        float[] p = proj.data();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c] += (double) p[r * cols + c] * p[r * cols + c];
            }
        }
        for (int c = 0; c < cols; c++) {
            out[c] *= variance[c];
        }
        return out;
    }

    private static double[] magnitude(VitConfig cfg, ModelWeights w, int b) {
        String k = cfg.blockPrefix(b) + "attn.";
        HostTensor qkv = w.get(k + "qkv.weight"); // [3A, D]
        HostTensor proj = w.get(k + "proj.weight"); // [D, A]
        int dh = cfg.headDim();
        int a = cfg.attentionDim(b);
        int d = (int) qkv.dim(1);
        int rows = (int) proj.dim(0);
        double[] in = new double[cfg.numHeads(b)];
        double[] out = new double[cfg.numHeads(b)];
        for (int r = 0; r < 3 * a; r++) {
            int head = (r % a) / dh;
            for (int j = 0; j < d; j++) {
                double v = qkv.data()[r * d + j];
                in[head] += v * v;
            }
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < a; c++) {
                double v = proj.data()[r * a + c];
                out[c / dh] += v * v;
            }
        }
        double[] s = new double[in.length];
        for (int h = 0; h < s.length; h++) {
            s[h] = Math.sqrt(in[h]) * Math.sqrt(out[h]);
        }
        return s;
    }
}
