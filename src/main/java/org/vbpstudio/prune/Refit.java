package org.vbpstudio.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.stats.SecondMoments;

/**
 * Compensation beyond the mean: {@code fc2} refitted in closed form from the kept neurons.
 *
 * <p>The MLP's output y = W2 h + b2 = A z is linear in z = [h; 1], A = [W2, b2]. With K the kept
 * neurons plus the constant, the A' over K that best reproduces A z on the calibration tokens, in
 * least squares with a ridge on the weights, solves
 * <pre>(S_KK + λ·n·I') A'ᵀ = S_K,· Aᵀ</pre>
 * where S = Σ z zᵀ ({@link SecondMoments}), n the token count and I' the identity with a zero at
 * the constant (the bias is not shrunk). Removing nothing with λ → 0 gives A back; mean
 * compensation is the special case that ignores the kept neurons' correlation with the removed.
 *
 * <p>Solved in float64 by PyTorch through DJL (its LAPACK; DJL 0.36 exposes the inverse of the SPD
 * matrix but no Cholesky factor), a few hundred milliseconds for a DeiT-Base block.
 */
public final class Refit {
    private Refit() {}

    /** The refitted fc2: weight [D, |K|] over the kept neurons, and bias [D]. */
    public record Fc2(HostTensor weight, HostTensor bias) {}

    /**
     * {@code fc2} of block {@code block} refitted on the kept neurons {@code keep} (sorted, checked by
     * the caller).
     *
     * @param fc2Weight the original weight [D, H]
     * @param fc2Bias   the original bias [D]
     * @param ridge     λ ≥ 0, finite
     * @throws IllegalArgumentException if the widths differ, λ is not allowed, or the system is
     *                                  singular (λ = 0 and a kept neuron constant or collinear)
     */
    public static Fc2 fc2(HostTensor fc2Weight, HostTensor fc2Bias, int[] keep, SecondMoments moments, int block,
            double ridge) {
        int d = (int) fc2Weight.dim(0);
        int h = (int) fc2Weight.dim(1);
        checkRidge(ridge);
        if (moments.width(block) != h) {
            throw new IllegalArgumentException("block " + block + ": second moments of width " + moments.width(block)
                    + " for an fc2 of " + h + " inputs");
        }
        int m = keep.length + 1;
        int[] rows = java.util.Arrays.copyOf(keep, m);
        rows[m - 1] = h; // the constant
        double[] lhs = moments.submatrix(block, rows, rows);
        double shrink = ridge * moments.count(block);
        for (int i = 0; i < m - 1; i++) {
            lhs[i * m + i] += shrink;
        }
        double[] a = augmented(fc2Weight, fc2Bias); // Aᵀ: [H+1, D]
        double[] x;
        try (NDManager nd = Engines.newManager()) {
            NDArray s = nd.create(moments.rows(block, rows), new Shape(m, h + 1));
            NDArray rhs = s.matMul(nd.create(a, new Shape(h + 1, d)));
            x = nd.create(lhs, new Shape(m, m)).inverse().matMul(rhs).toDoubleArray();
        }
        float[] w = new float[d * keep.length];
        float[] bias = new float[d];
        for (int i = 0; i < m; i++) {
            for (int r = 0; r < d; r++) {
                double v = x[i * d + r];
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("block " + block + ": the refit is singular (a kept neuron"
                            + " is constant or a combination of others); use a ridge above 0");
                }
                if (i < keep.length) {
                    w[r * keep.length + i] = (float) v;
                } else {
                    bias[r] = (float) v;
                }
            }
        }
        return new Fc2(new HostTensor(new long[] {d, keep.length}, w), new HostTensor(new long[] {d}, bias));
    }

    /**
     * How far a pruned fc2 leaves the MLP's output from the original's on the calibration tokens:
     * Σ‖y − y'‖² / Σ‖y − ȳ‖², the share of the output's variance (around its mean ȳ) it does not
     * reproduce, in closed form from S: Σ‖Δ z‖² = Σ (Δ S) ∘ Δ with Δ = A − A' (A' zero at removed neurons).
     *
     * @param prunedWeight [D, |K|] over {@code keep}; {@code prunedBias} [D]
     */
    public static double relativeResidual(HostTensor fc2Weight, HostTensor fc2Bias, int[] keep,
            HostTensor prunedWeight, HostTensor prunedBias, SecondMoments moments, int block) {
        int d = (int) fc2Weight.dim(0);
        int h = (int) fc2Weight.dim(1);
        double[] a = augmented(fc2Weight, fc2Bias);
        double[] delta = a.clone();
        float[] pw = prunedWeight.data();
        for (int i = 0; i < keep.length; i++) {
            for (int r = 0; r < d; r++) {
                delta[keep[i] * d + r] -= pw[r * keep.length + i];
            }
        }
        for (int r = 0; r < d; r++) {
            delta[h * d + r] -= prunedBias.data()[r];
        }
        int[] all = new int[h + 1];
        for (int i = 0; i <= h; i++) {
            all[i] = i;
        }
        double n = moments.count(block);
        try (NDManager nd = Engines.newManager()) {
            NDArray s = nd.create(moments.rows(block, all), new Shape(h + 1, h + 1));
            NDArray at = nd.create(a, new Shape(h + 1, d));
            NDArray dt = nd.create(delta, new Shape(h + 1, d));
            double error = s.matMul(dt).mul(dt).sum().getDouble();
            double energy = s.matMul(at).mul(at).sum().getDouble(); // Σ‖y‖²
            NDArray meanOut = s.get(h).reshape(1, h + 1).matMul(at).div(n); // ȳ = A S[:, H] / n
            double variance = energy - n * meanOut.square().sum().getDouble();
            return variance > 0 ? error / variance : (error > 0 ? Double.POSITIVE_INFINITY : 0);
        }
    }

    /** @throws IllegalArgumentException unless λ is finite and not negative */
    public static void checkRidge(double ridge) {
        if (!(ridge >= 0 && Double.isFinite(ridge))) {
            throw new IllegalArgumentException("the ridge must be a finite number ≥ 0, got " + ridge);
        }
    }

    /** Aᵀ = [W2ᵀ; b2ᵀ] in double, row-major [H+1, D]. */
    private static double[] augmented(HostTensor fc2Weight, HostTensor fc2Bias) {
        int d = (int) fc2Weight.dim(0);
        int h = (int) fc2Weight.dim(1);
        float[] w = fc2Weight.data();
        double[] a = new double[(h + 1) * d];
        for (int r = 0; r < d; r++) {
            for (int j = 0; j < h; j++) {
                a[j * d + r] = w[r * h + j];
            }
            a[h * d + r] = fc2Bias.data()[r];
        }
        return a;
    }
}
