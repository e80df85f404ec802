package org.vbpstudio.stats;

import java.util.Arrays;

/**
 * Per block and hidden neuron, the count, mean and M2 (sum of squared deviations) of the MLP
 * activation after GELU, in double precision. Batches and shards combine with Chan's parallel
 * update, which is exact: merging the statistics of disjoint halves gives those of the whole.
 * Memory is O(total hidden width), whatever the number of images.
 *
 * <p>Optionally, per neuron, the first-order Taylor sum Σ x_j · ∂L/∂x_j over the same tokens (L the
 * summed cross-entropy with the true labels), which the {@code taylor} criterion needs; it is a plain
 * sum, so shards merge exactly too. Absent ({@link #hasTaylor()} false) unless collected with
 * gradients ({@link TaylorCollector}).
 *
 * <p>Optionally, per block, the second-moment sums {@link SecondMoments} S = Σ [h; 1][h; 1]ᵀ that the
 * least-squares refit of {@code fc2} needs (absent unless collected with them, {@link #withSecondMoments}).
 *
 * <p>Optionally, the same count, mean and M2 per channel of each block's attention output before
 * {@code proj} (the heads' context vectors, h_b·d_h channels), which head pruning scores and compensates
 * with ({@link #attention()}); merged and copied along with the rest.
 */
public final class ActivationStats {
    private final long[] count;
    private final double[][] mean;
    private final double[][] m2;
    private long images;
    private double[][] taylor;
    private SecondMoments secondMoments;
    private ActivationStats attention;

    public ActivationStats(int[] widths) {
        count = new long[widths.length];
        mean = new double[widths.length][];
        m2 = new double[widths.length][];
        for (int b = 0; b < widths.length; b++) {
            mean[b] = new double[widths[b]];
            m2[b] = new double[widths[b]];
        }
    }

    /** Restores statistics read from a file. */
    public static ActivationStats of(long[] count, double[][] mean, double[][] m2, long images) {
        int[] widths = Arrays.stream(mean).mapToInt(a -> a.length).toArray();
        ActivationStats s = new ActivationStats(widths);
        for (int b = 0; b < widths.length; b++) {
            if (m2[b].length != widths[b]) {
                throw new IllegalArgumentException("block " + b + ": mean and m2 differ in length");
            }
            s.count[b] = count[b];
            s.mean[b] = mean[b].clone();
            s.m2[b] = m2[b].clone();
        }
        s.images = images;
        return s;
    }

    /** Statistics read from a file, taking the arrays as they are (no copy: a file's values can be large). */
    static ActivationStats adopt(long[] count, double[][] mean, double[][] m2, long images, double[][] taylor) {
        ActivationStats a = new ActivationStats(count, mean, m2);
        a.images = images;
        a.taylor = taylor;
        return a;
    }

    private ActivationStats(long[] count, double[][] mean, double[][] m2) {
        this.count = count;
        this.mean = mean;
        this.m2 = m2;
    }

    public int depth() {
        return count.length;
    }

    public int width(int block) {
        return mean[block].length;
    }

    public int[] widths() {
        return Arrays.stream(mean).mapToInt(a -> a.length).toArray();
    }

    /** Tokens seen by block {@code b} (images × tokens per image). */
    public long count(int block) {
        return count[block];
    }

    public long images() {
        return images;
    }

    public void addImages(long n) {
        images += n;
    }

    public double[] mean(int block) {
        return mean[block].clone();
    }

    public double[] m2(int block) {
        return m2[block].clone();
    }

    /** Population variance m2 / count (zero before any data). */
    public double[] variance(int block) {
        double[] v = new double[width(block)];
        if (count[block] > 0) {
            for (int j = 0; j < v.length; j++) {
                v[j] = m2[block][j] / count[block];
            }
        }
        return v;
    }

    /**
     * Chan's update with a batch of {@code n} values per neuron whose own mean and M2 are given:
     * delta = mean_b - mean_a; mean += delta·n_b/n; M2 += M2_b + delta²·n_a·n_b/n.
     */
    public synchronized void accumulate(int block, long n, double[] batchMean, double[] batchM2) {
        if (batchMean.length != width(block) || batchM2.length != width(block)) {
            throw new IllegalArgumentException("block " + block + " has " + width(block)
                    + " neurons, the batch " + batchMean.length);
        }
        if (n == 0) {
            return;
        }
        long na = count[block];
        long total = Math.addExact(na, n); // a wrapped count would silently corrupt every mean
        double[] mu = mean[block];
        double[] s = m2[block];
        for (int j = 0; j < mu.length; j++) {
            double delta = batchMean[j] - mu[j];
            mu[j] += delta * n / total;
            s[j] += batchM2[j] + delta * delta * ((double) na * n / total);
        }
        count[block] = total;
    }

    /** Adds another shard's statistics (same model) into this one. */
    public synchronized void merge(ActivationStats other) {
        if (!Arrays.equals(widths(), other.widths())) {
            throw new IllegalArgumentException("statistics of different widths: " + Arrays.toString(widths())
                    + " vs " + Arrays.toString(other.widths()));
        }
        boolean bothTaylor = hasTaylor() && other.hasTaylor();
        boolean bothMoments = hasSecondMoments() && other.hasSecondMoments();
        boolean empty = images == 0 && Arrays.stream(count).allMatch(c -> c == 0);
        for (int b = 0; b < depth(); b++) {
            accumulate(b, other.count[b], other.mean[b], other.m2[b]);
            if (bothTaylor) {
                addTaylor(b, other.taylor[b]);
            }
        }
        if (bothMoments) {
            secondMoments.merge(other.secondMoments);
        } else if (empty && other.hasSecondMoments()) {
            secondMoments = other.secondMoments.copy();
        } else {
            secondMoments = null; // as for the Taylor sums: all of the images or none
        }
        if (hasAttention() && other.hasAttention()) {
            attention.merge(other.attention);
        } else if (empty && other.hasAttention()) {
            attention = other.attention.copy();
        } else {
            attention = null; // as for the Taylor sums: all of the images or none
        }
        if (empty && other.hasTaylor()) {
            taylor = copyOf(other.taylor);
        } else if (!bothTaylor) {
            taylor = null; // a sum over only some of the images would be wrong, so none
        }
        images += other.images;
    }

    public synchronized ActivationStats copy() {
        ActivationStats s = withoutOwnMoments();
        s.secondMoments = secondMoments == null ? null : secondMoments.copy();
        return s;
    }

    /**
     * A copy without the second moments (the attention outputs' too): cheap (O(total width)), for live
     * displays of the moments.
     */
    public synchronized ActivationStats withoutSecondMoments() {
        ActivationStats s = of(count, mean, m2, images);
        s.taylor = taylor == null ? null : copyOf(taylor);
        s.attention = attention == null ? null : attention.withoutSecondMoments();
        return s;
    }

    /** A copy without the MLP's second moments, the attention outputs' statistics copied whole. */
    private ActivationStats withoutOwnMoments() {
        ActivationStats s = of(count, mean, m2, images);
        s.taylor = taylor == null ? null : copyOf(taylor);
        s.attention = attention == null ? null : attention.copy();
        return s;
    }

    // ------------------------------------------------------------------------- attention outputs

    /** Whether the attention outputs' statistics were collected alongside (see the class comment). */
    public synchronized boolean hasAttention() {
        return attention != null;
    }

    /** Per block, the statistics of proj's input channels; shared, not copied. @throws IllegalStateException if absent */
    public synchronized ActivationStats attention() {
        if (attention == null) {
            throw new IllegalStateException("no attention statistics were collected");
        }
        return attention;
    }

    /** These statistics holding {@code attention} (taken over, not copied) for the same blocks. */
    public synchronized ActivationStats withAttention(ActivationStats attentionStats) {
        if (attentionStats.depth() != depth()) {
            throw new IllegalArgumentException("attention statistics of " + attentionStats.depth()
                    + " blocks for statistics of " + depth());
        }
        ActivationStats s = withoutOwnMoments();
        s.secondMoments = secondMoments;
        s.attention = attentionStats;
        return s;
    }

    // ------------------------------------------------------------------------- second moments

    /** Whether the refit's second moments were collected alongside (see the class comment). */
    public synchronized boolean hasSecondMoments() {
        return secondMoments != null;
    }

    /** The second moments, shared, not copied. @throws IllegalStateException if absent */
    public synchronized SecondMoments secondMoments() {
        if (secondMoments == null) {
            throw new IllegalStateException("no second moments were collected");
        }
        return secondMoments;
    }

    /**
     * These statistics holding {@code moments} (taken over, not copied: 0.9 GB at DeiT-Base). Zero
     * moments of the right widths, before any batch, make a collection gather them.
     *
     * @throws IllegalArgumentException if the widths differ
     */
    public synchronized ActivationStats withSecondMoments(SecondMoments moments) {
        if (!Arrays.equals(moments.widths(), widths())) {
            throw new IllegalArgumentException("second moments of widths " + Arrays.toString(moments.widths())
                    + " for statistics of widths " + Arrays.toString(widths()));
        }
        ActivationStats s = withoutOwnMoments();
        s.secondMoments = moments;
        return s;
    }

    /** Empty statistics that also gather second moments for the refit. */
    public static ActivationStats collectingSecondMoments(int[] widths) {
        return new ActivationStats(widths).withSecondMoments(new SecondMoments(widths));
    }

    // ------------------------------------------------------------------------- Taylor sums

    /** Whether Σ x · ∂L/∂x was collected alongside (see the class comment). */
    public synchronized boolean hasTaylor() {
        return taylor != null;
    }

    /** Block {@code b}'s signed Taylor sums Σ x_j · ∂L/∂x_j. @throws IllegalStateException if absent */
    public synchronized double[] taylorSum(int block) {
        if (taylor == null) {
            throw new IllegalStateException("no Taylor sums were collected");
        }
        return taylor[block].clone();
    }

    /** Adds one batch's Taylor sums of block {@code b} (starting them at zero if there were none). */
    public synchronized void addTaylor(int block, double[] sums) {
        if (sums.length != width(block)) {
            throw new IllegalArgumentException("block " + block + " has " + width(block) + " neurons, the sums "
                    + sums.length);
        }
        if (taylor == null) {
            taylor = new double[depth()][];
            for (int b = 0; b < depth(); b++) {
                taylor[b] = new double[width(b)];
            }
        }
        for (int j = 0; j < sums.length; j++) {
            taylor[block][j] += sums[j];
        }
    }

    /** These statistics with Taylor sums read from a file ({@code sums[b].length} = block b's width). */
    public synchronized ActivationStats withTaylor(double[][] sums) {
        ActivationStats s = withoutOwnMoments();
        s.taylor = null;
        s.secondMoments = secondMoments; // shared, as withSecondMoments takes them
        for (int b = 0; b < depth(); b++) {
            s.addTaylor(b, sums[b]);
        }
        return s;
    }

    private static double[][] copyOf(double[][] a) {
        double[][] c = new double[a.length][];
        for (int b = 0; b < a.length; b++) {
            c[b] = a[b].clone();
        }
        return c;
    }
}
