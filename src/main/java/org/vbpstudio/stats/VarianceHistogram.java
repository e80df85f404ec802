package org.vbpstudio.stats;

import java.util.Arrays;

/**
 * One block's neurons binned by log10 of their activation variance, each bin split into kept and
 * removed neurons, with the variance threshold drawn when the criterion is variance. All blocks
 * share one range so that their histograms compare at a glance.
 *
 * @param minLog10 left edge of the first bin
 * @param maxLog10 right edge of the last bin
 * @param total    neurons per bin
 * @param kept     kept neurons per bin (≤ total)
 * @param cutLog10 where the cut falls (between the highest removed and the lowest kept variance),
 *                 or NaN when nothing is removed or the criterion is not variance
 */
public record VarianceHistogram(double minLog10, double maxLog10, int[] total, int[] kept, double cutLog10) {
    public static final int BINS = 40;
    /** Variances below this (dead neurons) are drawn in the first bin. */
    public static final double FLOOR = 1e-12;

    /** The shared range: [min, max] of log10 variance (above {@link #FLOOR}) over every block, padded a little. */
    public static double[] range(double[][] variances) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] block : variances) {
            for (double v : block) {
                if (!(v > FLOOR)) {
                    continue; // dead neurons go to the first bin; they do not stretch the axis
                }
                double l = log(v);
                lo = Math.min(lo, l);
                hi = Math.max(hi, l);
            }
        }
        if (!(lo <= hi)) {
            return new double[] {-1, 1};
        }
        double pad = Math.max(0.05 * (hi - lo), 0.05);
        return new double[] {lo - pad, hi + pad};
    }

    /**
     * @param keptIndices the block's kept neurons (sorted), or null when all are kept
     * @param showCut     whether the criterion is variance, so that one threshold separates kept
     *                    from removed neurons
     */
    public static VarianceHistogram of(double[] variance, int[] keptIndices, double minLog10, double maxLog10,
            boolean showCut) {
        int[] total = new int[BINS];
        int[] kept = new int[BINS];
        boolean[] isKept = new boolean[variance.length];
        if (keptIndices == null) {
            Arrays.fill(isKept, true);
        } else {
            for (int j : keptIndices) {
                isKept[j] = true;
            }
        }
        double maxRemoved = Double.NEGATIVE_INFINITY;
        double minKept = Double.POSITIVE_INFINITY;
        for (int j = 0; j < variance.length; j++) {
            double l = log(variance[j]);
            int bin = binOf(variance[j], minLog10, maxLog10);
            total[bin]++;
            if (isKept[j]) {
                kept[bin]++;
                minKept = Math.min(minKept, l);
            } else {
                maxRemoved = Math.max(maxRemoved, l);
            }
        }
        double cut = showCut && maxRemoved > Double.NEGATIVE_INFINITY && minKept < Double.POSITIVE_INFINITY
                ? (maxRemoved + minKept) / 2 : Double.NaN;
        return new VarianceHistogram(minLog10, maxLog10, total, kept, cut);
    }

    /** The bin a neuron of this variance falls in (the same rule as {@link #of}). */
    public int binOf(double variance) {
        return binOf(variance, minLog10, maxLog10);
    }

    /** The bin under horizontal position {@code fraction} (0 = left edge, 1 = right edge) of the plot. */
    public int binAt(double fraction) {
        return Math.max(0, Math.min(total.length - 1, (int) Math.floor(fraction * total.length)));
    }

    private static int binOf(double variance, double minLog10, double maxLog10) {
        double width = (maxLog10 - minLog10) / BINS;
        int bin = (int) Math.floor((log(variance) - minLog10) / width);
        return Math.max(0, Math.min(BINS - 1, bin));
    }

    public int maxCount() {
        int m = 0;
        for (int t : total) {
            m = Math.max(m, t);
        }
        return m;
    }

    private static double log(double v) {
        return Math.log10(Math.max(v, FLOOR));
    }
}
