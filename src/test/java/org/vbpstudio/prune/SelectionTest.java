package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.vbpstudio.testutil.Fixture;

class SelectionTest {

    private static PruningPlan perBlock(double... r) {
        return PruningPlan.perBlock(r);
    }

    @Test
    void perBlockRemovesRoundHalfUpOfTheLowest() {
        double[][] s = {{5, 1, 4, 2, 3}};
        assertArrayEquals(new int[] {0, 2, 4}, Selection.kept(perBlock(0.4), s)[0]); // 0.4·5 = 2
        assertArrayEquals(new int[] {0, 2, 4}, Selection.kept(perBlock(0.3), s)[0]); // 1.5 → 2 (half up)
        assertArrayEquals(new int[] {0, 2, 3, 4}, Selection.kept(perBlock(0.1), s)[0]); // 0.5 → 1
        assertArrayEquals(new int[] {0, 2}, Selection.kept(perBlock(0.5), s)[0]); // 2.5 → 3
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, Selection.kept(perBlock(0.0), s)[0]);
        assertArrayEquals(new int[] {1}, Selection.kept(perBlock(0.5), new double[][] {{0, 1, 0}})[0]); // 1.5 → 2
    }

    @Test
    void roundHalfUp() {
        assertEquals(3, Selection.roundHalfUp(2.5));
        assertEquals(1, Selection.roundHalfUp(0.5));
        assertEquals(2, Selection.roundHalfUp(2.4999));
        assertEquals(0, Selection.roundHalfUp(0.0));
    }

    @Test
    void tiesGoToTheLowerIndex() {
        double[][] s = {{1, 1, 1, 1}};
        assertArrayEquals(new int[] {2, 3}, Selection.kept(perBlock(0.5), s)[0]);
        // globally: lower block first, then lower index
        double[][] g = {{2, 2, 2}, {2, 2, 2}};
        int[][] kept = Selection.kept(PruningPlan.global(0.5), g);
        // round(0.5 × 6) = 3: (0, 0), (0, 1), then (0, 2) is block 0's last, so (1, 0)
        assertArrayEquals(new int[] {2}, kept[0]);
        assertArrayEquals(new int[] {1, 2}, kept[1]);
    }

    @Test
    void globalRemovesTheLowestAcrossBlocks() {
        double[][] s = {{0.9, 0.1, 0.8, 0.7}, {0.2, 0.3, 0.95, 0.05}};
        // round(0.5 × 8) = 4 lowest: 0.05 (1,3), 0.1 (0,1), 0.2 (1,0), 0.3 (1,1)
        int[][] kept = Selection.kept(PruningPlan.global(0.5), s);
        assertArrayEquals(new int[] {0, 2, 3}, kept[0]);
        assertArrayEquals(new int[] {2}, kept[1]);
        assertArrayEquals(new int[] {3, 1}, Selection.keptWidths(PruningPlan.global(0.5), s));
    }

    @Test
    void perBlockKeepsTheLastNeuron() {
        assertArrayEquals(new int[] {0}, Selection.kept(perBlock(0.9), new double[][] {{7}})[0]); // round(0.9) = 1, capped at 0
        assertArrayEquals(new int[] {1}, Selection.kept(perBlock(0.9), new double[][] {{1, 3, 2}})[0]); // 2.7 → 3, capped at 2
    }

    @Test
    void globalPassesTheRemovalOnInsteadOfEmptyingABlock() {
        double[][] s = {{0.01, 0.02}, {1, 2, 3, 4, 5, 6}};
        // k = round(0.5 × 8) = 4: 0.01 goes, 0.02 is block 0's last and stays, then 1, 2, 3 go
        int[][] kept = Selection.kept(PruningPlan.global(0.5), s);
        assertArrayEquals(new int[] {1}, kept[0]);
        assertArrayEquals(new int[] {3, 4, 5}, kept[1]);
        // at most Σ H − depth can go, even if the ratio asks for more
        assertArrayEquals(new int[] {1, 1}, Selection.keptWidths(PruningPlan.global(0.99), s));
    }

    @Test
    void roundToKeepsMultiplesOfK() {
        double[][] s = {ramp(16)};
        // 16 − round(0.3·16) = 11 → nearest multiple of 4 is 12, of 8 is 8
        assertArrayEquals(new int[] {12}, Selection.keptWidths(perBlock(0.3).withRoundTo(4), s));
        assertArrayEquals(new int[] {8}, Selection.keptWidths(perBlock(0.3).withRoundTo(8), s));
        // 16 − 14 = 2 → half up to 4, and never below K
        assertArrayEquals(new int[] {4}, Selection.keptWidths(perBlock(0.9).withRoundTo(4), s));
        assertArrayEquals(new int[] {8}, Selection.keptWidths(perBlock(0.9).withRoundTo(8), s));
        // width 10 with K 4: at most ⌊10/4⌋·4 = 8, even when nothing was to be removed
        assertArrayEquals(new int[] {8}, Selection.keptWidths(perBlock(0.0).withRoundTo(4), new double[][] {ramp(10)}));
        // a block narrower than K is left as the counts made it
        assertArrayEquals(new int[] {2}, Selection.keptWidths(perBlock(0.4).withRoundTo(4), new double[][] {ramp(3)}));
        // the kept neurons are the highest-scoring
        assertArrayEquals(new int[] {4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
                Selection.kept(perBlock(0.3).withRoundTo(4), s)[0]);
        assertEquals(12, Selection.roundWidth(10, 16, 4)); // 2.5 → 3
        assertEquals(8, Selection.roundWidth(9, 16, 4)); // 2.25 → 2
        assertEquals(5, Selection.roundWidth(5, 16, 1));
    }

    @Test
    void reproducesTheFixtureCounts() {
        JsonObject e = Fixture.expected();
        double[][] var = matrix(e.getAsJsonArray("mlp_var"));
        for (String key : new String[] {"pruned_block_0.25", "pruned_block_0.5", "pruned_global_0.25",
                "pruned_global_0.5"}) {
            double r = Double.parseDouble(key.substring(key.lastIndexOf('_') + 1));
            PruningPlan plan = key.contains("global") ? PruningPlan.global(r) : PruningPlan.uniform(r, 3);
            int[] widths = Selection.keptWidths(plan, var);
            JsonArray removed = e.getAsJsonObject(key).getAsJsonArray("pruned_per_block");
            for (int b = 0; b < 3; b++) {
                assertEquals(removed.get(b).getAsInt(), 192 - widths[b], key + " block " + b);
            }
        }
    }

    @Test
    void rejectsNaNAndPlansOfAnotherDepth() {
        assertThrows(IllegalArgumentException.class,
                () -> Selection.kept(perBlock(0.5), new double[][] {{1, Double.NaN}}));
        assertThrows(IllegalArgumentException.class,
                () -> Selection.kept(perBlock(0.5, 0.5), new double[][] {{1, 2}}));
    }

    @Test
    void complement() {
        assertArrayEquals(new int[] {0, 2, 5}, Selection.complement(new int[] {1, 3, 4}, 6));
        assertArrayEquals(new int[] {}, Selection.complement(new int[] {0, 1}, 2));
    }

    @Test
    void sameScoresSamePlanSameChoice() {
        SplittableRandom rng = new SplittableRandom(3);
        double[][] s = {rng.doubles(100).toArray(), rng.doubles(50).toArray()};
        assertArrayEquals(Selection.kept(PruningPlan.global(0.37), s), Selection.kept(PruningPlan.global(0.37), s));
    }

    static double[] ramp(int n) {
        double[] r = new double[n];
        Arrays.setAll(r, i -> i);
        return r;
    }

    static double[][] matrix(JsonArray rows) {
        double[][] m = new double[rows.size()][];
        for (int i = 0; i < m.length; i++) {
            JsonArray r = rows.get(i).getAsJsonArray();
            m[i] = new double[r.size()];
            for (int j = 0; j < m[i].length; j++) {
                m[i][j] = r.get(j).getAsDouble();
            }
        }
        return m;
    }
}
