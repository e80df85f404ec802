package org.vbpstudio.prune;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The policy that turns importance scores into the neurons to keep, separate from how
 * scores are computed ({@link Importance}) and how the choice is applied ({@link Surgery}).
 *
 * <p>Rules, in order:
 * <ol>
 *   <li><b>Counts.</b> Per block, block b loses k_b = round(R_b × H_b) neurons; globally, the model
 *       loses k = round(R × Σ H_b) neurons in all. round is half up: ⌊x + 0.5⌋.</li>
 *   <li><b>Order.</b> Neurons go lowest score first; ties go to the lower index, and globally to the
 *       lower block, then the lower index (a stable sort by (score, block, index)).</li>
 *   <li><b>Keep one.</b> No block loses its last neuron. Per block, k_b is capped at H_b − 1; globally,
 *       a neuron that is the last of its block is skipped and the removal passes to the next-lowest
 *       neuron elsewhere, so the model still loses k neurons (at most Σ H_b − depth).</li>
 *   <li><b>round_to K</b> (K ≥ 2). Each block's kept width w is then rounded to the nearest multiple
 *       of K, half up (⌊w / K + 0.5⌋ × K), and clamped to [K, ⌊H_b / K⌋ × K]; blocks narrower than K
 *       are left as the counts made them. Rounding up gives back the block's highest-scoring removed
 *       neurons, rounding down removes its next-lowest ones; in global mode the total removed can
 *       therefore differ from k.</li>
 * </ol>
 * Within a block the removed neurons are thus always the lowest (H_b − w_b) in (score, index)
 * order. Kept indices are returned sorted ascending.
 *
 * <p><b>normalize standardize</b> (global mode only): before rule 2 each block's scores become
 * z-scores, (s − mean_b) / std_b with the population std, so blocks whose raw scores live on other
 * scales compete fairly (FLAP). A block whose scores are all equal (std 0) gets z = 0 for every
 * neuron: it sits at the average of the others rather than dividing by zero, and its own neurons
 * then go in index order, as ties always do.
 */
public final class Selection {
    private Selection() {}

    /**
     * The neurons each block keeps.
     *
     * @param scores one score per neuron of each block (low = remove first); no NaN
     * @return per block, the kept indices, sorted ascending, at least one per non-empty block
     * @throws IllegalArgumentException if the plan does not fit the scores' depth or a score is NaN
     */
    public static int[][] kept(PruningPlan plan, double[][] scores) {
        int[] widths = keptWidths(plan, scores);
        scores = ranked(plan, scores);
        int[][] kept = new int[scores.length][];
        for (int b = 0; b < scores.length; b++) {
            kept[b] = highest(scores[b], widths[b]);
        }
        return kept;
    }

    /** The kept width of each block, as {@link #kept} would choose (rules 1, 3 and 4). */
    public static int[] keptWidths(PruningPlan plan, double[][] scores) {
        plan.validate(scores.length);
        for (int b = 0; b < scores.length; b++) {
            for (double s : scores[b]) {
                if (Double.isNaN(s)) {
                    throw new IllegalArgumentException("block " + b + " has NaN importance scores");
                }
            }
        }
        int[] widths = plan.cut() instanceof PruningPlan.Cut.PerBlock p
                ? perBlockWidths(p.ratios(), scores)
                : globalWidths(((PruningPlan.Cut.Global) plan.cut()).ratio(), ranked(plan, scores));
        int k = plan.roundTo();
        if (k > 1) {
            for (int b = 0; b < widths.length; b++) {
                widths[b] = roundWidth(widths[b], scores[b].length, k);
            }
        }
        return widths;
    }

    /** The scores the plan ranks: standardised per block when it says so, else {@code scores} itself. */
    public static double[][] ranked(PruningPlan plan, double[][] scores) {
        return plan.normalize() == PruningPlan.Normalize.STANDARDIZE ? standardized(scores) : scores;
    }

    /** Per block, (s − mean) / std with the population std; all zeros where std is 0 (see the class comment). */
    public static double[][] standardized(double[][] scores) {
        double[][] z = new double[scores.length][];
        for (int b = 0; b < scores.length; b++) {
            double[] s = scores[b];
            double mean = 0;
            for (double v : s) {
                mean += v;
            }
            mean /= Math.max(1, s.length);
            double ss = 0;
            for (double v : s) {
                ss += (v - mean) * (v - mean);
            }
            double std = Math.sqrt(ss / Math.max(1, s.length));
            z[b] = new double[s.length];
            for (int j = 0; j < s.length; j++) {
                z[b][j] = std > 0 ? (s[j] - mean) / std : 0;
            }
        }
        return z;
    }

    /** round(x) half up, as the plan's counts use it. */
    public static long roundHalfUp(double x) {
        return (long) Math.floor(x + 0.5);
    }

    /**
     * Rule 4: {@code width} rounded to the nearest multiple of {@code k} (half up) within
     * [k, ⌊hidden / k⌋ × k]; unchanged when {@code hidden < k} or {@code k ≤ 1}.
     */
    public static int roundWidth(int width, int hidden, int k) {
        if (k <= 1 || hidden < k) {
            return width;
        }
        long multiples = (2L * width + k) / (2L * k);
        long max = hidden / k;
        return (int) (Math.max(1, Math.min(max, multiples)) * k);
    }

    /** The indices in [0, width) that are not in {@code kept} (sorted ascending). */
    public static int[] complement(int[] kept, int width) {
        boolean[] in = new boolean[width];
        for (int j : kept) {
            in[j] = true;
        }
        return IntStream.range(0, width).filter(j -> !in[j]).toArray();
    }

    private static int[] perBlockWidths(double[] ratios, double[][] scores) {
        int[] widths = new int[scores.length];
        for (int b = 0; b < scores.length; b++) {
            int h = scores[b].length;
            long k = Math.min(roundHalfUp(ratios[b] * h), h - minKept(h));
            widths[b] = (int) (h - k);
        }
        return widths;
    }

    private static int[] globalWidths(double ratio, double[][] scores) {
        int depth = scores.length;
        int[] remaining = new int[depth];
        int total = 0;
        int floor = 0;
        for (int b = 0; b < depth; b++) {
            remaining[b] = scores[b].length;
            total += remaining[b];
            floor += minKept(remaining[b]);
        }
        long k = Math.min(roundHalfUp(ratio * total), total - floor);
        // every neuron as (block, index), in removal order: score, then block, then index
        int[] blockOf = new int[total];
        int[] indexOf = new int[total];
        for (int b = 0, at = 0; b < depth; b++) {
            for (int j = 0; j < scores[b].length; j++, at++) {
                blockOf[at] = b;
                indexOf[at] = j;
            }
        }
        Integer[] order = new Integer[total];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> scores[blockOf[i]][indexOf[i]] + 0.0) // -0.0 ties with 0.0
                .thenComparingInt(i -> blockOf[i]).thenComparingInt(i -> indexOf[i]));
        long removed = 0;
        for (int i = 0; i < total && removed < k; i++) {
            int b = blockOf[order[i]];
            if (remaining[b] > 1) { // rule 3: the last neuron of a block stays
                remaining[b]--;
                removed++;
            }
        }
        return remaining;
    }

    private static int minKept(int hidden) {
        return Math.min(1, hidden);
    }

    /** The {@code keep} highest-scoring indices of {@code s} in (score, index) order, sorted ascending. */
    private static int[] highest(double[] s, int keep) {
        Integer[] order = new Integer[s.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> s[i] + 0.0).thenComparingInt(i -> i));
        int[] kept = new int[keep];
        for (int i = 0; i < keep; i++) {
            kept[i] = order[s.length - keep + i];
        }
        Arrays.sort(kept);
        return kept;
    }
}
