package org.vbpstudio.eval.preview;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.vbpstudio.model.Accuracy;

/**
 * Per image of a preview slice, in slice (source) order: the original model's and the pruned
 * model's logits, from {@link PreviewEngine#predictions()}. The changed predictions ("flips") are
 * the images whose top-1 class differs between the two.
 *
 * @param classes  K, logits per image
 * @param indices  the image's index in the slice (= in the validation source) per position
 * @param labels   true class per position, -1 where unlabelled
 * @param original the original model's logits, K per position
 * @param pruned   the pruned model's logits, K per position
 * @param labelled whether the slice carries labels
 * @param current  whether every image's pruned logits are those of the live plan
 */
public record PreviewPredictions(int classes, int[] indices, int[] labels, float[] original, float[] pruned,
        boolean labelled, boolean current) {

    /** How a changed prediction relates to the true label. */
    public enum Kind {
        /** The original was right, the pruned model is wrong. */
        NEWLY_WRONG,
        /** The original was wrong, the pruned model is right. */
        NEWLY_RIGHT,
        /** Both wrong (different classes), or the slice has no labels. */
        CHANGED
    }

    /**
     * One changed prediction.
     *
     * @param position   position in this record's arrays
     * @param index      the image's index in the slice
     * @param label      true class, -1 when unlabelled
     * @param before     the original's top-1 class
     * @param beforeConf its softmax probability under the original
     * @param after      the pruned model's top-1 class
     * @param afterConf  its softmax probability under the pruned model
     */
    public record Change(int position, int index, int label, int before, double beforeConf, int after,
            double afterConf, Kind kind) {}

    public int size() {
        return indices.length;
    }

    /** Top-1 class of the original at {@code position}, as {@link org.vbpstudio.model.Accuracy} counts it. */
    public int originalTop1(int position) {
        return Accuracy.argmax(original, position * classes, classes);
    }

    public int prunedTop1(int position) {
        return Accuracy.argmax(pruned, position * classes, classes);
    }

    /** Softmax probabilities of the original at {@code position}. */
    public double[] originalProbabilities(int position) {
        return softmax(original, position * classes, classes);
    }

    public double[] prunedProbabilities(int position) {
        return softmax(pruned, position * classes, classes);
    }

    /** The position of slice image {@code index}, or -1. */
    public int positionOf(int index) {
        int p = Arrays.binarySearch(indices, index);
        return p >= 0 ? p : -1;
    }

    /**
     * The images whose top-1 changed: newly wrong first, then newly right, then the other changes,
     * each group in slice order.
     */
    public List<Change> changes() {
        List<Change> out = new ArrayList<>();
        for (int p = 0; p < indices.length; p++) {
            int b = originalTop1(p);
            int a = prunedTop1(p);
            if (a == b) {
                continue;
            }
            int y = labelled ? labels[p] : -1;
            Kind kind = y < 0 ? Kind.CHANGED : b == y ? Kind.NEWLY_WRONG : a == y ? Kind.NEWLY_RIGHT : Kind.CHANGED;
            out.add(new Change(p, indices[p], y, b, originalProbabilities(p)[b], a, prunedProbabilities(p)[a], kind));
        }
        out.sort(Comparator.comparing(Change::kind).thenComparingInt(Change::index));
        return out;
    }

    /** Images the pruned model gets wrong that the original got right. */
    public long newlyWrong() {
        return changes().stream().filter(c -> c.kind() == Kind.NEWLY_WRONG).count();
    }

    public long newlyRight() {
        return changes().stream().filter(c -> c.kind() == Kind.NEWLY_RIGHT).count();
    }

    /**
     * The {@code k} most probable classes, highest first (ties: lower class first).
     *
     * @return class indices
     */
    public static int[] topK(double[] probabilities, int k) {
        return IntStream.range(0, probabilities.length).boxed()
                .sorted((x, y) -> probabilities[x] != probabilities[y] ? Double.compare(probabilities[y], probabilities[x])
                        : Integer.compare(x, y))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    static double[] softmax(float[] v, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, v[off + i]);
        }
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp(v[off + i] - max);
            sum += p[i];
        }
        for (int i = 0; i < n; i++) {
            p[i] /= sum;
        }
        return p;
    }
}
