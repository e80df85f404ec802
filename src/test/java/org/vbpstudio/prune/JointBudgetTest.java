package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.VitConfig;

/**
 * A MAC budget met by heads and neurons together, on a DeiT-Tiny-shaped config (D 192, 3 heads of 64,
 * 12 blocks of 768, 197 tokens): the achieved fraction, computed here from the MAC formulas, lies in
 * [F − 0.005, F].
 */
class JointBudgetTest {
    private static final VitConfig TINY = new VitConfig("deit_tiny_patch16_224", 224, 16, 3, 192, 3,
            fill(12, 768), 1000, false, 1e-6, Pooling.TOKEN);

    @Test
    void jointGlobalPlansLandWithinTheTolerance() {
        for (PruningPlan.Normalize n : PruningPlan.Normalize.values()) {
            double[][] neurons = HeadSelectionTest.random(fill(12, 768), 5);
            double[][] heads = HeadSelectionTest.random(fill(12, 3), 6);
            for (double[] h : heads) { // heads as important per channel as neurons: some go, most stay
                Arrays.setAll(h, i -> h[i] * 64);
            }
            PruningPlan fitted = Budget.macs(0.6).fit(PruningPlan.global(0).withNormalize(n).withHeads(new HeadCut.Joint()),
                    neurons, heads, TINY);
            HeadSelection.Choice c = HeadSelection.select(fitted, TINY, neurons, heads);
            int[] widths = Arrays.stream(c.keptNeurons()).mapToInt(k -> k.length).toArray();
            int[] kept = Arrays.stream(c.removedHeads()).mapToInt(r -> 3 - r.length).toArray();
            double achieved = (double) macs(widths, kept) / macs(fill(12, 768), fill(12, 3));
            assertTrue(achieved <= 0.6 && achieved >= 0.595, n + ": achieved " + achieved);
            assertTrue(c.removesHeads(), n + ": no head went");
            assertArrayEquals(kept, ((VitConfig) HeadSelection.prunedConfig(TINY, c)).blockHeads());
            assertEquals(macs(widths, kept), org.vbpstudio.model.CostModel.totalMacs(HeadSelection.prunedConfig(TINY, c)));
        }
    }

    @Test
    void aFixedHeadRatioIsKeptWhileTheNeuronRatioIsFitted() {
        double[][] neurons = HeadSelectionTest.random(fill(12, 768), 7);
        double[][] heads = HeadSelectionTest.random(fill(12, 3), 8);
        PruningPlan fitted = Budget.macs(0.5).fit(PruningPlan.uniform(0, 12).withHeads(new HeadCut.Ratio(0.34)),
                neurons, heads, TINY);
        assertEquals(new HeadCut.Ratio(0.34), fitted.heads());
        HeadSelection.Choice c = HeadSelection.select(fitted, TINY, neurons, heads);
        int[] widths = Arrays.stream(c.keptNeurons()).mapToInt(k -> k.length).toArray();
        double achieved = (double) macs(widths, fill(12, 2)) / macs(fill(12, 768), fill(12, 3));
        assertTrue(achieved <= 0.5 && achieved >= 0.495, "achieved " + achieved);
    }

    /** fvcore's count, written out: embedding, per block qkv, both matmuls, proj, fc1, fc2, two norms; norm and head. */
    private static long macs(int[] widths, int[] heads) {
        long t = 197;
        long d = 192;
        long total = 196L * 3 * 16 * 16 * d + 5 * t * d + d * 1000;
        for (int b = 0; b < widths.length; b++) {
            long a = heads[b] * 64L;
            total += t * d * 3 * a + 2 * t * t * a + t * a * d + 2 * t * d * widths[b] + 10 * t * d;
        }
        return total;
    }

    private static int[] fill(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }
}
