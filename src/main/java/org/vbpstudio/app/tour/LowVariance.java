package org.vbpstudio.app.tour;

import java.util.Arrays;
import org.vbpstudio.stats.ActivationStats;

/**
 * What a histogram shows, in words: the variance below which lie the model's lowest tenth of MLP
 * neurons (all blocks pooled), and each block's share of neurons under it. The block with the
 * largest share is the one VBP prunes most readily; the one with the smallest, least.
 *
 * @param threshold the pooled variance with a tenth of all neurons strictly below it
 * @param share     per block, the fraction of its neurons with variance below {@code threshold}
 */
public record LowVariance(double threshold, double[] share) {
    /** The fraction of all neurons the threshold puts below it. */
    public static final double TENTH = 0.1;

    public static LowVariance of(ActivationStats stats) {
        double[][] v = new double[stats.depth()][];
        for (int b = 0; b < v.length; b++) {
            v[b] = stats.variance(b);
        }
        double[] pooled = Arrays.stream(v).flatMapToDouble(Arrays::stream).sorted().toArray();
        double threshold = pooled[(int) (TENTH * pooled.length)];
        double[] share = new double[v.length];
        for (int b = 0; b < v.length; b++) {
            share[b] = (double) Arrays.stream(v[b]).filter(x -> x < threshold).count() / v[b].length;
        }
        return new LowVariance(threshold, share);
    }

    /** The block with the largest share (the first of equals). */
    public int most() {
        int best = 0;
        for (int b = 1; b < share.length; b++) {
            best = share[b] > share[best] ? b : best;
        }
        return best;
    }

    /** The block with the smallest share (the first of equals). */
    public int least() {
        int best = 0;
        for (int b = 1; b < share.length; b++) {
            best = share[b] < share[best] ? b : best;
        }
        return best;
    }
}
