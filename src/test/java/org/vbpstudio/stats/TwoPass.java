package org.vbpstudio.stats;

/**
 * The independent reference for the stats tests: count, mean and M2 of columns by the textbook
 * two-pass formula in double precision (mean first, then the sum of squared deviations from it),
 * nothing shared with {@link ActivationStats}' streaming update.
 */
final class TwoPass {
    final long count;
    final double[] mean;
    final double[] m2;

    private TwoPass(long count, double[] mean, double[] m2) {
        this.count = count;
        this.mean = mean;
        this.m2 = m2;
    }

    /** Rows {@code from .. to - 1} of {@code rows} (each one value per neuron). */
    static TwoPass of(double[][] rows, int from, int to, int width) {
        double[] mean = new double[width];
        double[] m2 = new double[width];
        int n = to - from;
        for (int j = 0; j < width; j++) {
            double s = 0;
            for (int i = from; i < to; i++) {
                s += rows[i][j];
            }
            mean[j] = n == 0 ? 0 : s / n;
            double d2 = 0;
            for (int i = from; i < to; i++) {
                double d = rows[i][j] - mean[j];
                d2 += d * d;
            }
            m2[j] = d2;
        }
        return new TwoPass(n, mean, m2);
    }

    static TwoPass of(double[][] rows, int width) {
        return of(rows, 0, rows.length, width);
    }

    /** Flattened [n, width] float values (as a hook sees a batch). */
    static TwoPass of(float[] values, int width) {
        double[][] rows = new double[values.length / width][width];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < width; j++) {
                rows[i][j] = values[i * width + j];
            }
        }
        return of(rows, width);
    }
}
