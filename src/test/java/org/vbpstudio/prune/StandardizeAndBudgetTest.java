package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.VitConfig;

/** Standardised global ranking and cost budgets, checked against straightforward re-derivations. */
class StandardizeAndBudgetTest {

    /** Block scales 1, 100 and 0.01: raw global ranking would empty the small block first. */
    static double[][] scaledScores(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] scale = {1, 100, 0.01};
        double[][] s = new double[3][];
        for (int b = 0; b < 3; b++) {
            s[b] = new double[10 + 5 * b];
            for (int j = 0; j < s[b].length; j++) {
                s[b][j] = scale[b] * (5 + rng.nextGaussian());
            }
        }
        return s;
    }

    @Test
    void standardizedGlobalRemovesTheLowestZScores() {
        double[][] s = scaledScores(3);
        PruningPlan plan = PruningPlan.global(0.4).withNormalize(PruningPlan.Normalize.STANDARDIZE);
        int[][] kept = Selection.kept(plan, s);
        // independent: z per block with the population std, then the 18 lowest of 45 overall
        List<double[]> all = new ArrayList<>(); // {z, block, index}
        for (int b = 0; b < 3; b++) {
            double mean = Arrays.stream(s[b]).sum() / s[b].length;
            double var = 0;
            for (double v : s[b]) {
                var += (v - mean) * (v - mean) / s[b].length;
            }
            for (int j = 0; j < s[b].length; j++) {
                all.add(new double[] {(s[b][j] - mean) / Math.sqrt(var), b, j});
            }
        }
        all.sort((x, y) -> Double.compare(x[0], y[0]));
        boolean[][] removed = {new boolean[10], new boolean[15], new boolean[20]};
        for (int i = 0; i < Math.round(0.4 * 45); i++) {
            removed[(int) all.get(i)[1]][(int) all.get(i)[2]] = true;
        }
        for (int b = 0; b < 3; b++) {
            List<Integer> expected = new ArrayList<>();
            for (int j = 0; j < removed[b].length; j++) {
                if (!removed[b][j]) {
                    expected.add(j);
                }
            }
            assertArrayEquals(expected.stream().mapToInt(i -> i).toArray(), kept[b], "block " + b);
        }
        int[][] raw = Selection.kept(PruningPlan.global(0.4), s);
        assertEquals(2, raw[2].length, "unnormalised, the small-scale block loses 18 of its 20");
    }

    @Test
    void aConstantBlockStandardizesToZeroAndKeepsItsLowIndicesLast() {
        double[][] s = {{3, 3, 3, 3}, {-1, 0, 1, 2}};
        double[][] z = Selection.standardized(s);
        assertArrayEquals(new double[] {0, 0, 0, 0}, z[0]);
        assertEquals(-1.3416407864998738, z[1][0], 1e-12);
        PruningPlan plan = PruningPlan.global(0.5).withNormalize(PruningPlan.Normalize.STANDARDIZE);
        // z: block 1's −1.34 and −0.45 go first, then ties at 0 go to the lower block, then index
        int[][] kept = Selection.kept(plan, s);
        assertArrayEquals(new int[] {2, 3}, kept[0]);
        assertArrayEquals(new int[] {2, 3}, kept[1]);
    }

    @Test
    void standardizeIsRefusedPerBlockAndRoundTripsInJson() {
        assertThrows(IllegalArgumentException.class,
                () -> PruningPlan.uniform(0.5, 3).withNormalize(PruningPlan.Normalize.STANDARDIZE));
        PruningPlan plan = PruningPlan.global(0.3).withCriterion(Criterion.WIFV)
                .withNormalize(PruningPlan.Normalize.STANDARDIZE);
        assertTrue(plan.toJsonString().contains("\"normalize\": \"standardize\""), plan.toJsonString());
        assertEquals(plan, PruningPlan.parse(plan.toJsonString(), Path.of("p.json")));
        assertEquals(PruningPlan.global(0.3), PruningPlan.parse("{\"mode\": \"global\", \"ratio\": 0.3, \"normalize\": \"none\"}",
                Path.of("p.json")));
    }

    static double[][] randomScores(VitConfig cfg, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] s = new double[cfg.depth()][];
        for (int b = 0; b < s.length; b++) {
            s[b] = rng.doubles(cfg.mlpHiddenDim(b)).toArray();
        }
        return s;
    }

    @Test
    void budgetsFindTheLargestModelWithinTheTarget() {
        VitConfig tiny = VitConfig.deitTiny();
        double[][] s = randomScores(tiny, 1);
        long macs = CostModel.totalMacs(tiny);
        long params = CostModel.totalParams(tiny);
        for (PruningPlan base : List.of(PruningPlan.global(0), PruningPlan.uniform(0, 12),
                PruningPlan.global(0).withNormalize(PruningPlan.Normalize.STANDARDIZE))) {
            for (Budget budget : List.of(Budget.macs(0.65), Budget.params(0.7), Budget.macs(0.5))) {
                PruningPlan fitted = budget.fit(base, s, tiny);
                VitConfig pruned = tiny.withMlpHiddenDims(Selection.keptWidths(fitted, s));
                double f = budget.achieved(tiny, pruned);
                assertTrue(f <= budget.fraction() && f >= budget.fraction() - Budget.TOLERANCE, base + " " + budget + ": " + f);
                // the largest: one fewer neuron removed would break the budget
                long step = budget.kind() == Budget.Kind.MACS ? CostModel.macsPerNeuron(tiny, 0) : CostModel.paramsPerNeuron(tiny, 0);
                long perStep = base.mode() == PruningPlan.Mode.GLOBAL ? step : 12 * step;
                assertTrue(budget.cost(pruned) + perStep > budget.limit(tiny), base + " " + budget + " is not the largest");
            }
        }
        assertEquals(1_258_411_200L, macs); // fvcore's count for DeiT-Tiny, so the fractions above are of the real DeiT-Tiny
        assertEquals(5_717_416L, params);
    }

    @Test
    void unreachableBudgetsSaySo() {
        VitConfig tiny = VitConfig.deitTiny();
        double[][] s = randomScores(tiny, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Budget.macs(0.2).fit(PruningPlan.global(0), s, tiny)); // attention alone costs more
        assertTrue(e.getMessage().contains("cannot meet --target-macs 0.2"), e.getMessage());
        // round_to 384 allows widths 384 and 768 only: 0.8 of the MACs lies between two steps
        IllegalArgumentException coarse = assertThrows(IllegalArgumentException.class,
                () -> Budget.macs(0.8).fit(PruningPlan.uniform(0, 12).withRoundTo(384), s, tiny));
        assertTrue(coarse.getMessage().contains("the largest model within it"), coarse.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Budget.macs(1.0));
        assertThrows(IllegalArgumentException.class, () -> Budget.params(0));
    }
}
