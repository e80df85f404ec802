package org.vbpstudio.eval.preview;

import org.vbpstudio.model.Accuracy;
import org.vbpstudio.eval.Fidelity;

/**
 * The pruned model's scores on the part of the slice evaluated so far under the current plan:
 * {@code done} of {@code total} images, drawn in a fixed random order so every prefix is a random
 * sample of the slice. Exact once {@link #complete()}.
 *
 * @param accuracy top-1/top-5 against the labels (count 0 when the slice is unlabelled)
 * @param fidelity agreement with the original model's top-1 and KL(original ‖ pruned)
 */
public record PreviewEstimate(int done, int total, Accuracy accuracy, Fidelity fidelity) {
    /** z for a two-sided 95 % interval. */
    public static final double Z95 = 1.959963984540054;

    public boolean complete() {
        return done >= total;
    }

    public boolean labelled() {
        return accuracy.count() > 0;
    }

    /** 95 % Wilson interval of top-1 ([0, 1] before any image); a point once complete. */
    public double[] top1Interval() {
        return complete() ? new double[] {accuracy.top1(), accuracy.top1()}
                : wilson(accuracy.correct1(), accuracy.count(), Z95);
    }

    /** 95 % Wilson interval of the top-1 agreement with the original. */
    public double[] agreementInterval() {
        return complete() ? new double[] {fidelity.agreement(), fidelity.agreement()}
                : wilson(fidelity.agree(), fidelity.count(), Z95);
    }

    /**
     * Wilson's score interval for a binomial proportion of {@code successes} in {@code n}: unlike the
     * normal approximation it stays inside [0, 1] and is sound at small n and at 0 % or 100 %.
     */
    public static double[] wilson(long successes, long n, double z) {
        if (n <= 0) {
            return new double[] {0, 1};
        }
        double p = (double) successes / n;
        double z2 = z * z;
        double denom = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denom;
        double half = z / denom * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
    }
}
