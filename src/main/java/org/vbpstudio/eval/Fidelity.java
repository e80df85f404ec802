package org.vbpstudio.eval;

import org.vbpstudio.model.Accuracy;

/**
 * Label-free fidelity of a pruned model to its original over {@code count} images: how often their
 * top-1 classes agree, and the summed KL(original ‖ pruned) of their softmax distributions (natural
 * log). Needs no labels, so it works on any folder of images.
 *
 * <p>An image whose pruned logits hold a NaN or an infinity never agrees and adds an infinite KL:
 * a broken model must not look faithful.
 */
public record Fidelity(long agree, double klSum, long count) {
    public static final Fidelity EMPTY = new Fidelity(0, 0, 0);

    /** Fraction of images whose top-1 is the original's (NaN when empty). */
    public double agreement() {
        return count == 0 ? Double.NaN : (double) agree / count;
    }

    /** Mean KL(original ‖ pruned) in nats (NaN when empty). */
    public double kl() {
        return count == 0 ? Double.NaN : klSum / count;
    }

    public Fidelity plus(Fidelity o) {
        return new Fidelity(agree + o.agree, klSum + o.klSum, count + o.count);
    }

    /**
     * Compares row-major logits [n, k] of the original and the pruned model.
     *
     * @throws IllegalArgumentException if the arrays do not both hold n rows of k
     */
    public static Fidelity of(float[] original, float[] pruned, int numClasses) {
        if (original.length != pruned.length || numClasses < 1 || original.length % numClasses != 0) {
            throw new IllegalArgumentException("logits of " + original.length + " and " + pruned.length
                    + " values are not rows of " + numClasses + " classes");
        }
        int n = original.length / numClasses;
        long agree = 0;
        double kl = 0;
        for (int i = 0; i < n; i++) {
            int off = i * numClasses;
            if (!allFinite(pruned, off, numClasses)) {
                kl = Double.POSITIVE_INFINITY;
                continue;
            }
            if (Accuracy.argmax(original, off, numClasses) == Accuracy.argmax(pruned, off, numClasses)) {
                agree++;
            }
            kl += kl(original, pruned, off, numClasses);
        }
        return new Fidelity(agree, kl, n);
    }

    /** KL(softmax(p) ‖ softmax(q)) of one row, from log-sum-exp normalised log-probabilities. */
    static double kl(float[] p, float[] q, int off, int k) {
        double lseP = logSumExp(p, off, k);
        double lseQ = logSumExp(q, off, k);
        double sum = 0;
        for (int j = 0; j < k; j++) {
            double logP = p[off + j] - lseP;
            double logQ = q[off + j] - lseQ;
            sum += Math.exp(logP) * (logP - logQ);
        }
        return Math.max(0, sum); // rounding can leave a tiny negative for identical rows
    }

    private static double logSumExp(float[] x, int off, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            max = Math.max(max, x[off + j]);
        }
        double s = 0;
        for (int j = 0; j < k; j++) {
            s += Math.exp(x[off + j] - max);
        }
        return max + Math.log(s);
    }

    private static boolean allFinite(float[] x, int off, int k) {
        for (int j = 0; j < k; j++) {
            if (!Float.isFinite(x[off + j])) {
                return false;
            }
        }
        return true;
    }
}
