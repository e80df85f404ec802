package org.vbpstudio.prune;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.stats.ActivationStats;

/**
 * The importance criteria a plan can name: VBP's variance and the baselines it is compared with. Their JSON and command-line
 * names are the lower-case constant names: {@code variance}, {@code magnitude}, {@code random},
 * {@code wifv}, {@code wanda}, {@code taylor}. With x_j neuron j's GELU output over every
 * calibration token and W2 the block's {@code fc2.weight} [D, H]:
 * <ul>
 *   <li>{@code wifv}: Var(x_j) · ‖W2[:, j]‖² (FLAP's weighted input-feature variance);</li>
 *   <li>{@code wanda}: mean_i |W2[i, j]| · sqrt(E[x_j²]), E[x²] = var + mean² (structured Wanda as FLAP
 *       defines it);</li>
 *   <li>{@code taylor}: |Σ over images and tokens of x_j · ∂L/∂x_j|, L the summed cross-entropy with
 *       the true labels ({@link ActivationStats#taylorSum}, collected with one backward pass per
 *       batch by {@link org.vbpstudio.stats.TaylorCollector}).</li>
 * </ul>
 */
public enum Criterion {
    /** Variance-Based Pruning: σ² of the neuron's GELU output over the calibration tokens. */
    VARIANCE,
    /** ‖fc1.weight[j, :]‖₂ · ‖fc2.weight[:, j]‖₂: how much weight flows through neuron j. */
    MAGNITUDE,
    /** Uniform random scores, the same for the same seed. */
    RANDOM,
    /** FLAP's weighted fluctuation: Var(x_j) · ‖fc2.weight[:, j]‖². */
    WIFV,
    /** Structured Wanda: mean_i |fc2.weight[i, j]| · sqrt(E[x_j²]). */
    WANDA,
    /** First-order Taylor: |Σ x_j ∂L/∂x_j| over labelled calibration images. */
    TAYLOR;

    /** The name in plans and on the command line. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether scoring reads activation statistics (compensation needs them regardless). */
    public boolean needsStatistics() {
        return this == VARIANCE || this == WIFV || this == WANDA || this == TAYLOR;
    }

    /** Whether the statistics must also hold gradients (one backward pass over labelled images). */
    public boolean needsGradients() {
        return this == TAYLOR;
    }

    /** The scoring function; {@code seed} matters only for {@link #RANDOM}. */
    public Importance importance(long seed) {
        return switch (this) {
            case VARIANCE -> Criterion::variance;
            case MAGNITUDE -> (w, cfg, stats) -> magnitude(w, cfg);
            case RANDOM -> (w, cfg, stats) -> random(cfg.mlpHiddenDims(), seed);
            case WIFV -> (w, cfg, stats) -> wifv(w, cfg, checked(stats, cfg, this));
            case WANDA -> (w, cfg, stats) -> wanda(w, cfg, checked(stats, cfg, this));
            case TAYLOR -> (w, cfg, stats) -> taylor(cfg, checked(stats, cfg, this));
        };
    }

    /**
     * Parses a JSON / command-line name, ignoring case.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Criterion parse(String name) {
        for (Criterion c : values()) {
            if (c.jsonName().equalsIgnoreCase(name.trim())) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown criterion '" + name + "' (expected one of "
                + Arrays.stream(values()).map(Criterion::jsonName).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() {
        return jsonName();
    }

    private static ActivationStats checked(ActivationStats stats, ModelConfig cfg, Criterion c) {
        if (stats == null) {
            throw new IllegalArgumentException("the " + c.jsonName() + " criterion needs activation statistics");
        }
        if (!Arrays.equals(stats.widths(), cfg.mlpHiddenDims())) {
            throw new IllegalArgumentException("statistics of widths " + Arrays.toString(stats.widths())
                    + " do not fit a model of widths " + Arrays.toString(cfg.mlpHiddenDims()));
        }
        if (c.needsGradients() && !stats.hasTaylor()) {
            throw new IllegalArgumentException(MISSING_GRADIENTS);
        }
        return stats;
    }

    /** Why taylor cannot run on statistics without gradients, in the user's words. */
    public static final String MISSING_GRADIENTS = "the taylor criterion needs gradients from labelled calibration"
            + " images (give --calibration with an ImageFolder or a labelled IDX pair; statistics files and"
            + " unlabelled images do not carry them)";

    private static double[][] variance(ModelWeights w, ModelConfig cfg, ActivationStats stats) {
        checked(stats, cfg, VARIANCE);
        double[][] s = new double[cfg.depth()][];
        for (int b = 0; b < s.length; b++) {
            s[b] = stats.variance(b);
        }
        return s;
    }

    private static double[][] magnitude(ModelWeights w, ModelConfig cfg) {
        double[][] s = new double[cfg.depth()][];
        for (int b = 0; b < cfg.depth(); b++) {
            HostTensor fc1 = w.get(cfg.mlpName(b, "fc1.weight")); // [H, D]
            HostTensor fc2 = w.get(cfg.mlpName(b, "fc2.weight")); // [D, H]
            int h = (int) fc1.dim(0);
            int d = (int) fc1.dim(1);
            double[] in = new double[h];
            double[] out = new double[h];
            float[] a = fc1.data();
            float[] c = fc2.data();
            for (int j = 0; j < h; j++) {
                for (int i = 0; i < d; i++) {
                    double v = a[j * d + i];
                    in[j] += v * v;
                }
            }
            int rows = (int) fc2.dim(0);
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < h; j++) {
                    double v = c[r * h + j];
                    out[j] += v * v;
                }
            }
            s[b] = new double[h];
            for (int j = 0; j < h; j++) {
                s[b][j] = Math.sqrt(in[j]) * Math.sqrt(out[j]);
            }
        }
        return s;
    }

    private static double[][] wifv(ModelWeights w, ModelConfig cfg, ActivationStats stats) {
        double[][] s = new double[cfg.depth()][];
        for (int b = 0; b < s.length; b++) {
            double[] var = stats.variance(b);
            double[] col = fc2Columns(w, cfg, b, false);
            s[b] = new double[var.length];
            for (int j = 0; j < var.length; j++) {
                s[b][j] = var[j] * col[j];
            }
        }
        return s;
    }

    private static double[][] wanda(ModelWeights w, ModelConfig cfg, ActivationStats stats) {
        double[][] s = new double[cfg.depth()][];
        for (int b = 0; b < s.length; b++) {
            double[] var = stats.variance(b);
            double[] mean = stats.mean(b);
            double[] col = fc2Columns(w, cfg, b, true);
            s[b] = new double[var.length];
            for (int j = 0; j < var.length; j++) {
                s[b][j] = col[j] * Math.sqrt(var[j] + mean[j] * mean[j]);
            }
        }
        return s;
    }

    private static double[][] taylor(ModelConfig cfg, ActivationStats stats) {
        double[][] s = new double[cfg.depth()][];
        for (int b = 0; b < s.length; b++) {
            s[b] = stats.taylorSum(b);
            for (int j = 0; j < s[b].length; j++) {
                s[b][j] = Math.abs(s[b][j]);
            }
        }
        return s;
    }

    /** Per column j of block b's fc2.weight [D, H]: Σ_i W[i, j]² ({@code absMean} false) or mean_i |W[i, j]|. */
    private static double[] fc2Columns(ModelWeights w, ModelConfig cfg, int b, boolean absMean) {
        HostTensor fc2 = w.get(cfg.mlpName(b, "fc2.weight"));
        int rows = (int) fc2.dim(0);
        int h = (int) fc2.dim(1);
        float[] c = fc2.data();
        double[] out = new double[h];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < h; j++) {
                double v = c[r * h + j];
                out[j] += absMean ? Math.abs(v) : v * v;
            }
        }
        if (absMean) {
            for (int j = 0; j < h; j++) {
                out[j] /= rows;
            }
        }
        return out;
    }

    private static double[][] random(int[] widths, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] s = new double[widths.length][];
        for (int b = 0; b < widths.length; b++) {
            s[b] = rng.doubles(widths[b]).toArray();
        }
        return s;
    }
}
