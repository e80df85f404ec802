package org.vbpstudio.prune;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.VitWeights;
import org.vbpstudio.stats.ActivationStats;

/**
 * The importance criteria a plan can name (GUIDE §3). Their JSON and command-line names are the
 * lower-case constant names: {@code variance}, {@code magnitude}, {@code random}.
 */
public enum Criterion {
    /** Variance-Based Pruning: σ² of the neuron's GELU output over the calibration tokens. */
    VARIANCE,
    /** ‖fc1.weight[j, :]‖₂ · ‖fc2.weight[:, j]‖₂: how much weight flows through neuron j. */
    MAGNITUDE,
    /** Uniform random scores, the same for the same seed. */
    RANDOM;

    /** The name in plans and on the command line. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether scoring reads activation statistics (compensation needs them regardless). */
    public boolean needsStatistics() {
        return this == VARIANCE;
    }

    /** The scoring function; {@code seed} matters only for {@link #RANDOM}. */
    public Importance importance(long seed) {
        return switch (this) {
            case VARIANCE -> Criterion::variance;
            case MAGNITUDE -> (w, cfg, stats) -> magnitude(w, cfg.depth());
            case RANDOM -> (w, cfg, stats) -> random(cfg.mlpHiddenDims(), seed);
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

    private static double[][] variance(VitWeights w, VitConfig cfg, ActivationStats stats) {
        if (stats == null) {
            throw new IllegalArgumentException("the variance criterion needs activation statistics");
        }
        if (!Arrays.equals(stats.widths(), cfg.mlpHiddenDims())) {
            throw new IllegalArgumentException("statistics of widths " + Arrays.toString(stats.widths())
                    + " do not fit a model of widths " + Arrays.toString(cfg.mlpHiddenDims()));
        }
        double[][] s = new double[cfg.depth()][];
        for (int b = 0; b < s.length; b++) {
            s[b] = stats.variance(b);
        }
        return s;
    }

    private static double[][] magnitude(VitWeights w, int depth) {
        double[][] s = new double[depth][];
        for (int b = 0; b < depth; b++) {
            HostTensor fc1 = w.get(VitWeights.block(b, "mlp.fc1.weight")); // [H, D]
            HostTensor fc2 = w.get(VitWeights.block(b, "mlp.fc2.weight")); // [D, H]
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

    private static double[][] random(int[] widths, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] s = new double[widths.length][];
        for (int b = 0; b < widths.length; b++) {
            s[b] = rng.doubles(widths[b]).toArray();
        }
        return s;
    }
}
