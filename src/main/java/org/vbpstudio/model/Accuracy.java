package org.vbpstudio.model;

/**
 * Top-1/top-5 counts over {@code count} labelled images; fractions, not percentages.
 *
 * <p>An image whose logits hold a NaN or an infinity counts, but is never correct (as in
 * eval's Fidelity): a NaN compares false with everything, so it would otherwise rank first and a
 * broken model would score 100 %.
 */
public record Accuracy(long correct1, long correct5, long count) {
    public double top1() {
        return count == 0 ? Double.NaN : (double) correct1 / count;
    }

    public double top5() {
        return count == 0 ? Double.NaN : (double) correct5 / count;
    }

    public Accuracy plus(Accuracy o) {
        return new Accuracy(correct1 + o.correct1, correct5 + o.correct5, count + o.count);
    }

    /** Scores logits [n, k] (row-major) against labels; rows with label -1 are skipped, non-finite rows are wrong. */
    public static Accuracy of(float[] logits, int[] labels, int numClasses) {
        long c1 = 0;
        long c5 = 0;
        long n = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                continue;
            }
            n++;
            if (!allFinite(logits, i * numClasses, numClasses)) {
                continue;
            }
            int rank = rankOf(logits, i * numClasses, numClasses, labels[i]);
            c1 += rank == 0 ? 1 : 0;
            c5 += rank < 5 ? 1 : 0;
        }
        return new Accuracy(c1, c5, n);
    }

    /** How many classes score strictly higher than {@code label} (ties favour the true class). */
    private static int rankOf(float[] logits, int offset, int k, int label) {
        float target = logits[offset + label];
        int higher = 0;
        for (int j = 0; j < k; j++) {
            if (logits[offset + j] > target || (logits[offset + j] == target && j < label)) {
                higher++;
            }
        }
        return higher;
    }

    private static boolean allFinite(float[] logits, int offset, int k) {
        for (int j = offset; j < offset + k; j++) {
            if (!Float.isFinite(logits[j])) {
                return false;
            }
        }
        return true;
    }

    /**
     * The class row {@code offset} predicts: the first of equal maxima (the prediction CSV, fidelity
     * and the preview's flips all ask this one method).
     */
    public static int argmax(float[] logits, int offset, int k) {
        int best = 0;
        for (int j = 1; j < k; j++) {
            if (logits[offset + j] > logits[offset + best]) {
                best = j;
            }
        }
        return best;
    }
}
