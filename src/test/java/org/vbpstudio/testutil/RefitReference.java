package org.vbpstudio.testutil;

import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.ModelWeights;

/**
 * An independent least-squares refit of fc2 for vit-micro: hidden activations captured on a forward
 * pass, their sums and a textbook Cholesky solve in plain double loops, variance selection redone
 * from the captured activations, and the refitted model built from them.
 */
public final class RefitReference {
    private RefitReference() {}

    /** Every block's hidden activations, [tokens][H] in double, captured from a forward pass. */
    public static double[][][] hidden(LoadedModel m, NDManager manager) {
        int depth = m.config().depth();
        double[][][] out = new double[depth][][];
        float[] pixels = Fixture.pixels(m.preprocessing().mean(), m.preprocessing().std());
        try (Network vit = m.instantiate(manager)) {
            vit.logits(pixels, Fixture.expected().getAsJsonArray("files").size(), (b, h) -> {
                long width = h.getShape().get(2);
                float[] flat = h.toFloatArray();
                int tokens = (int) (flat.length / width);
                out[b] = new double[tokens][(int) width];
                for (int t = 0; t < tokens; t++) {
                    for (int j = 0; j < width; j++) {
                        out[b][t][j] = flat[t * (int) width + j];
                    }
                }
                return h;
            });
        }
        return out;
    }

    /** S = Σ z zᵀ, z = [h; 1], in plain double loops. */
    public static double[][] gram(double[][] h) {
        int w = h[0].length;
        double[][] s = new double[w + 1][w + 1];
        for (double[] row : h) {
            double[] z = Arrays.copyOf(row, w + 1);
            z[w] = 1;
            for (int i = 0; i <= w; i++) {
                for (int j = 0; j <= w; j++) {
                    s[i][j] += z[i] * z[j];
                }
            }
        }
        return s;
    }

    /**
     * The normal equations (S_KK + λ n I') X = S_K,· [W2ᵀ; b2ᵀ] solved by a textbook Cholesky
     * factorisation; returns X [|K|+1][D], the bias last.
     */
    public static double[][] solve(double[][] s, int[] keep, float[] w2, float[] b2, int d, double ridge) {
        int h = s.length - 1;
        int m = keep.length + 1;
        int[] idx = Arrays.copyOf(keep, m);
        idx[m - 1] = h;
        double n = s[h][h];
        double[][] a = new double[m][m];
        double[][] rhs = new double[m][d];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                a[i][j] = s[idx[i]][idx[j]] + (i == j && i < m - 1 ? ridge * n : 0);
            }
            for (int r = 0; r < d; r++) {
                double sum = s[idx[i]][h] * b2[r];
                for (int j = 0; j < h; j++) {
                    sum += s[idx[i]][j] * w2[r * h + j];
                }
                rhs[i][r] = sum;
            }
        }
        double[][] l = new double[m][m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j <= i; j++) {
                double sum = a[i][j];
                for (int k = 0; k < j; k++) {
                    sum -= l[i][k] * l[j][k];
                }
                l[i][j] = i == j ? Math.sqrt(sum) : sum / l[j][j];
            }
        }
        double[][] x = new double[m][d];
        for (int r = 0; r < d; r++) {
            double[] y = new double[m];
            for (int i = 0; i < m; i++) {
                double sum = rhs[i][r];
                for (int k = 0; k < i; k++) {
                    sum -= l[i][k] * y[k];
                }
                y[i] = sum / l[i][i];
            }
            for (int i = m - 1; i >= 0; i--) {
                double sum = y[i];
                for (int k = i + 1; k < m; k++) {
                    sum -= l[k][i] * x[k][r];
                }
                x[i][r] = sum / l[i][i];
            }
        }
        return x;
    }


    /** Per neuron, the population variance of the captured activations. */
    public static double[] variance(double[][] h) {
        int w = h[0].length;
        double[] mean = new double[w];
        for (double[] row : h) {
            for (int j = 0; j < w; j++) {
                mean[j] += row[j] / h.length;
            }
        }
        double[] var = new double[w];
        for (double[] row : h) {
            for (int j = 0; j < w; j++) {
                var[j] += (row[j] - mean[j]) * (row[j] - mean[j]) / h.length;
            }
        }
        return var;
    }

    /**
     * The neurons kept when round(ratio × H) of lowest variance go in each block, or (global)
     * round(ratio × ΣH) across all blocks, ties to the lower block and index, one neuron left per block.
     */
    public static int[][] keptByVariance(double[][][] h, double ratio, boolean global) {
        int depth = h.length;
        double[][] var = new double[depth][];
        boolean[][] removed = new boolean[depth][];
        int total = 0;
        for (int b = 0; b < depth; b++) {
            var[b] = variance(h[b]);
            removed[b] = new boolean[var[b].length];
            total += var[b].length;
        }
        if (global) {
            int[][] order = new int[total][];
            int n = 0;
            for (int b = 0; b < depth; b++) {
                for (int j = 0; j < var[b].length; j++) {
                    order[n++] = new int[] {b, j};
                }
            }
            Arrays.sort(order, Comparator.<int[]>comparingDouble(e -> var[e[0]][e[1]]).thenComparingInt(e -> e[0])
                    .thenComparingInt(e -> e[1]));
            int toRemove = (int) Math.floor(ratio * total + 0.5);
            int[] left = Arrays.stream(var).mapToInt(v -> v.length).toArray();
            for (int i = 0; i < order.length && toRemove > 0; i++) {
                int b = order[i][0];
                if (left[b] > 1) {
                    removed[b][order[i][1]] = true;
                    left[b]--;
                    toRemove--;
                }
            }
        } else {
            for (int b = 0; b < depth; b++) {
                int bb = b;
                Integer[] idx = IntStream.range(0, var[b].length).boxed().toArray(Integer[]::new);
                Arrays.sort(idx, Comparator.<Integer>comparingDouble(j -> var[bb][j]).thenComparingInt(j -> j));
                int k = Math.min((int) Math.floor(ratio * var[b].length + 0.5), var[b].length - 1);
                for (int i = 0; i < k; i++) {
                    removed[b][idx[i]] = true;
                }
            }
        }
        int[][] kept = new int[depth][];
        for (int b = 0; b < depth; b++) {
            int bb = b;
            kept[b] = IntStream.range(0, var[b].length).filter(j -> !removed[bb][j]).toArray();
        }
        return kept;
    }

    /** {@code m} with each block keeping {@code kept[b]} and fc2 refitted by {@link #solve}. */
    public static LoadedModel refitted(LoadedModel m, double[][][] h, int[][] kept, double ridge) {
        ModelWeights w = m.weights().copy();
        int[] widths = new int[kept.length];
        for (int b = 0; b < kept.length; b++) {
            HostTensor w2 = m.weights().get("blocks." + b + ".mlp.fc2.weight");
            HostTensor b2 = m.weights().get("blocks." + b + ".mlp.fc2.bias");
            int d = (int) w2.dim(0);
            int k = kept[b].length;
            double[][] x = solve(gram(h[b]), kept[b], w2.data(), b2.data(), d, ridge);
            float[] weight = new float[d * k];
            float[] bias = new float[d];
            for (int r = 0; r < d; r++) {
                for (int i = 0; i < k; i++) {
                    weight[r * k + i] = (float) x[i][r];
                }
                bias[r] = (float) x[k][r];
            }
            w.put("blocks." + b + ".mlp.fc1.weight", m.weights().get("blocks." + b + ".mlp.fc1.weight")
                    .selectRows(kept[b]));
            w.put("blocks." + b + ".mlp.fc1.bias", m.weights().get("blocks." + b + ".mlp.fc1.bias")
                    .selectRows(kept[b]));
            w.put("blocks." + b + ".mlp.fc2.weight", new HostTensor(new long[] {d, k}, weight));
            w.put("blocks." + b + ".mlp.fc2.bias", new HostTensor(new long[] {d}, bias));
            widths[b] = k;
        }
        return m.with(m.config().withMlpHiddenDims(widths), w, m.directory());
    }

    /** The 30 fixture images through {@code m} (its own normalisation). */
    public static float[] logits(LoadedModel m, NDManager manager) {
        try (Network vit = m.instantiate(manager)) {
            return vit.logits(Fixture.pixels(m.preprocessing().mean(), m.preprocessing().std()),
                    Fixture.expected().getAsJsonArray("files").size(), org.vbpstudio.model.MlpHook.NONE);
        }
    }
}
