package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.testutil.MultiStageModels;

/**
 * The heads a plan removes, against choices worked out here from the rules: per-block ratios
 * (round half up, lowest first, ties to the lower index, one kept), explicit lists (range-checked),
 * and the joint ranking by score per MAC saved, with MACs computed from the formulas.
 */
class HeadSelectionTest {
    /** T = 5 tokens (2×2 patches + class), D = 12, d_h = 4, 3 heads, hidden 8 per block. */
    private static final VitConfig CFG = new VitConfig("vit_sel", 8, 4, 3, 12, 3, new int[] {8, 8, 8}, 4, false,
            1e-6, Pooling.TOKEN);

    @Test
    void aRatioRemovesTheLowestHeadsOfEveryBlockTiesToTheLowerIndex() {
        double[][] scores = {{3, 1, 2}, {5, 5, 5}, {0.1, 9, 0.2}};
        PruningPlan plan = PruningPlan.uniform(0, 3).withHeads(new HeadCut.Ratio(0.5)); // round(1.5) = 2
        int[][] removed = HeadSelection.removed(plan, CFG.blockHeads(), scores);
        assertArrayEquals(new int[][] {{1, 2}, {0, 1}, {0, 2}}, removed);
        int[][] one = HeadSelection.removed(plan.withHeads(new HeadCut.Ratio(0.2)), CFG.blockHeads(), scores);
        assertArrayEquals(new int[][] {{1}, {0}, {0}}, one); // round(0.6) = 1
        int[][] most = HeadSelection.removed(plan.withHeads(new HeadCut.Ratio(0.99)), CFG.blockHeads(), scores);
        for (int[] r : most) {
            assertEquals(2, r.length, "one head always stays");
        }
    }

    @Test
    void selectKeepsTheNeuronsSelectionChoosesAndRemovesTheHeadsOfTheCut() {
        double[][] neurons = random(new int[] {8, 8, 8}, 3);
        double[][] heads = random(new int[] {3, 3, 3}, 4);
        PruningPlan plan = PruningPlan.uniform(0.25, 3).withHeads(new HeadCut.Ratio(0.34));
        HeadSelection.Choice c = HeadSelection.select(plan, CFG, neurons, heads);
        assertArrayEquals(Selection.kept(plan, neurons), c.keptNeurons());
        for (int b = 0; b < 3; b++) {
            assertArrayEquals(new int[] {argmin(heads[b])}, c.removedHeads()[b]);
        }
        VitConfig after = (VitConfig) HeadSelection.prunedConfig(CFG, c);
        assertArrayEquals(new int[] {2, 2, 2}, after.blockHeads());
        assertArrayEquals(new int[] {6, 6, 6}, after.mlpHiddenDims());
        HeadSelection.Choice none = HeadSelection.select(PruningPlan.uniform(0.25, 3), CFG, neurons, null);
        assertFalse(none.removesHeads());
        assertArrayEquals(new int[][] {{}, {}, {}}, none.removedHeads());
    }

    @Test
    void anExplicitListIsTakenAsItIsAndCheckedAgainstTheModel() {
        PruningPlan plan = PruningPlan.uniform(0, 3).withHeads(new HeadCut.Removed(new int[][] {{0, 2}, {}, {1}}));
        HeadSelection.Choice c = HeadSelection.select(plan, CFG, random(new int[] {8, 8, 8}, 1), null);
        assertArrayEquals(new int[][] {{0, 2}, {}, {1}}, c.removedHeads());
        assertArrayEquals(new int[][] {{1}, {0, 1, 2}, {0, 2}}, c.keptHeads(CFG.blockHeads()));
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class, () -> HeadSelection.removed(
                plan.withHeads(new HeadCut.Removed(new int[][] {{3}, {}, {}})), CFG.blockHeads(), null));
        assertTrue(range.getMessage().contains("heads.removed[0] names head 3"), range.getMessage());
        IllegalArgumentException all = assertThrows(IllegalArgumentException.class, () -> HeadSelection.removed(
                plan.withHeads(new HeadCut.Removed(new int[][] {{}, {0, 1, 2}, {}})), CFG.blockHeads(), null));
        assertTrue(all.getMessage().contains("at least one must stay"), all.getMessage());
        IllegalArgumentException depth = assertThrows(IllegalArgumentException.class, () -> HeadSelection.removed(
                plan.withHeads(new HeadCut.Removed(new int[][] {{}, {}})), CFG.blockHeads(), null));
        assertTrue(depth.getMessage().contains("lists 2 blocks but the model has 3"), depth.getMessage());
    }

    @Test
    void jointRemovesTheUnitsOfLowestScorePerMacSaved() {
        for (PruningPlan.Normalize normalize : PruningPlan.Normalize.values()) {
            for (double ratio : new double[] {0, 0.1, 0.3, 0.6, 0.95}) {
                double[][] neurons = random(new int[] {8, 8, 8}, 7);
                double[][] heads = random(new int[] {3, 3, 3}, 8);
                PruningPlan plan = PruningPlan.global(ratio).withNormalize(normalize).withHeads(new HeadCut.Joint());
                HeadSelection.Choice c = HeadSelection.select(plan, CFG, neurons, heads);
                boolean[][][] expected = expectedJoint(ratio, normalize, neurons, heads);
                for (int b = 0; b < 3; b++) {
                    assertArrayEquals(indices(expected[0][b], false), c.keptNeurons()[b], ratio + " " + normalize);
                    assertArrayEquals(indices(expected[1][b], true), c.removedHeads()[b], ratio + " " + normalize);
                    assertTrue(c.keptNeurons()[b].length >= 1 && c.removedHeads()[b].length <= 2, "floors");
                }
            }
        }
    }

    @Test
    void jointNeedsGlobalModeAndAFamilyWithHeads() {
        assertThrows(IllegalArgumentException.class, () -> PruningPlan.uniform(0.5, 3).withHeads(new HeadCut.Joint()));
        PruningPlan plan = PruningPlan.uniform(0.5, 2).withHeads(new HeadCut.Ratio(0.5));
        var swin = MultiStageModels.swin();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HeadSelection.select(
                plan.withRatios(new double[swin.depth()]), swin, random(swin.mlpHiddenDims(), 1), null));
        assertTrue(e.getMessage().contains("attention heads can be pruned in ViT, DeiT and DeiT III only"),
                e.getMessage());
    }

    /** The rule, written out: keys (z − min z)/MACs or s/MACs; walked lowest first within a cap of R × all MACs, skipping a block's last unit. */
    private static boolean[][][] expectedJoint(double ratio, PruningPlan.Normalize normalize, double[][] n,
            double[][] h) {
        long t = 5;
        long d = 12;
        long dh = 4;
        double neuronMacs = 2 * d * t;
        double headMacs = 3 * dh * d * t + 2 * t * t * dh + dh * d * t;
        boolean z = normalize == PruningPlan.Normalize.STANDARDIZE;
        double[][][] s = {z ? zscores(n) : n, z ? zscores(h) : h};
        double min = Double.POSITIVE_INFINITY;
        for (double[][] kind : s) {
            for (double[] block : kind) {
                for (double v : block) {
                    min = Math.min(min, v);
                }
            }
        }
        double shift = z ? min : 0;
        List<double[]> units = new ArrayList<>(); // key, kind, block, index
        for (int k = 0; k < 2; k++) {
            for (int b = 0; b < 3; b++) {
                for (int j = 0; j < s[k][b].length; j++) {
                    units.add(new double[] {(s[k][b][j] - shift) / (k == 0 ? neuronMacs : headMacs), k, b, j});
                }
            }
        }
        units.sort(Comparator.<double[]>comparingDouble(u -> u[0]).thenComparingDouble(u -> u[1])
                .thenComparingDouble(u -> u[2]).thenComparingDouble(u -> u[3]));
        double cap = ratio * (24 * neuronMacs + 9 * headMacs);
        boolean[][][] gone = {new boolean[3][8], new boolean[3][3]};
        int[][] left = {{8, 8, 8}, {3, 3, 3}};
        double removed = 0;
        for (double[] u : units) {
            int kind = (int) u[1];
            int b = (int) u[2];
            double macs = kind == 0 ? neuronMacs : headMacs;
            if (left[kind][b] > 1 && removed + macs <= cap) {
                left[kind][b]--;
                gone[kind][b][(int) u[3]] = true;
                removed += macs;
            }
        }
        return gone;
    }

    private static double[][] zscores(double[][] s) {
        double[][] z = new double[s.length][];
        for (int b = 0; b < s.length; b++) {
            double mean = java.util.Arrays.stream(s[b]).average().orElse(0);
            double var = java.util.Arrays.stream(s[b]).map(v -> (v - mean) * (v - mean)).average().orElse(0);
            z[b] = java.util.Arrays.stream(s[b]).map(v -> (v - mean) / Math.sqrt(var)).toArray();
        }
        return z;
    }

    private static int[] indices(boolean[] gone, boolean which) {
        return java.util.stream.IntStream.range(0, gone.length).filter(j -> gone[j] == which).toArray();
    }

    private static int argmin(double[] s) {
        int best = 0;
        for (int j = 1; j < s.length; j++) {
            if (s[j] < s[best]) {
                best = j;
            }
        }
        return best;
    }

    static double[][] random(int[] widths, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] s = new double[widths.length][];
        for (int b = 0; b < widths.length; b++) {
            s[b] = r.doubles(widths[b], 0, 100).toArray();
        }
        return s;
    }
}
