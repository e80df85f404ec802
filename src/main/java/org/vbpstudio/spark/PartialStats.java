package org.vbpstudio.spark;

import java.io.Serializable;
import org.vbpstudio.stats.ActivationStats;

/**
 * One partition's statistics as a task returns them to the driver: per block the count, mean and M2
 * (and the Taylor sums with gradients), plain arrays so Java serialization carries them. They are
 * a task's result, never an accumulator, so a retried or speculative task replaces its first
 * attempt instead of adding to it. Combining two is {@link ActivationStats#merge}: Chan's update in
 * double precision, the same arithmetic as {@code stats --merge}.
 */
final class PartialStats implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long[] count;
    private final double[][] mean;
    private final double[][] m2;
    private final double[][] taylor;
    private final long images;

    private PartialStats(long[] count, double[][] mean, double[][] m2, double[][] taylor, long images) {
        this.count = count;
        this.mean = mean;
        this.m2 = m2;
        this.taylor = taylor;
        this.images = images;
    }

    static PartialStats of(ActivationStats s) {
        int depth = s.depth();
        long[] count = new long[depth];
        double[][] mean = new double[depth][];
        double[][] m2 = new double[depth][];
        double[][] taylor = s.hasTaylor() ? new double[depth][] : null;
        for (int b = 0; b < depth; b++) {
            count[b] = s.count(b);
            mean[b] = s.mean(b);
            m2[b] = s.m2(b);
            if (taylor != null) {
                taylor[b] = s.taylorSum(b);
            }
        }
        return new PartialStats(count, mean, m2, taylor, s.images());
    }

    ActivationStats toStats() {
        ActivationStats s = ActivationStats.of(count, mean, m2, images);
        return taylor == null ? s : s.withTaylor(taylor);
    }

    /** The statistics of both partitions' images together. */
    static PartialStats merge(PartialStats a, PartialStats b) {
        ActivationStats merged = a.toStats();
        merged.merge(b.toStats());
        return of(merged);
    }
}
