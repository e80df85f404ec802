package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.VitConfig;

class AllocationTest {
    private static final VitConfig TINY = VitConfig.deitTiny();
    private static final double[] RATIOS = {0.25, 0.5, 0.75, 0.9};

    static VitConfig pruned(double[] ratios) {
        double[][] flat = new double[12][768];
        return TINY.withMlpHiddenDims(Selection.keptWidths(PruningPlan.perBlock(ratios), flat));
    }

    @Test
    void insensitiveBlocksArePrunedFirstAndTheBudgetIsMet() {
        double[][] loss = new double[12][];
        for (int b = 0; b < 12; b++) {
            double s = b < 6 ? 0.001 : 0.1; // the first six blocks barely care
            loss[b] = new double[] {s * 0.25, s * 0.5, s * 0.75, s * 0.9};
        }
        Budget budget = Budget.macs(0.65);
        double[] r = Allocation.allocate(TINY, RATIOS, loss, budget, 1);
        double f = budget.achieved(TINY, pruned(r));
        assertTrue(f <= 0.65 && f >= 0.645, "achieved " + f);
        for (int b = 0; b < 6; b++) {
            assertEquals(0.9, r[b], 1.0 / 768, "cheap block " + b + " goes to the largest measured ratio");
        }
        for (int b = 6; b < 12; b++) {
            assertTrue(r[b] < 0.9 && Math.abs(r[b] - r[6]) <= 1.0 / 768, "costly blocks share the rest evenly: " + r[b]);
        }
        // exact counts: ratio × 768 is a whole number of neurons
        for (double x : r) {
            assertEquals(Math.rint(x * 768), x * 768, 1e-9);
        }
    }

    @Test
    void flatStretchesAreUsedBeforeTheCurveRisesAndNoiseDipsAreIgnored() {
        double[][] loss = new double[12][];
        for (int b = 0; b < 12; b++) {
            loss[b] = b == 3 ? new double[] {0, -0.01, 0, 0.5} // flat to 0.75 (the dip is noise), then steep
                    : new double[] {0.01, 0.02, 0.03, 0.04};
        }
        double[] r = Allocation.allocate(TINY, RATIOS, loss, Budget.params(0.9), 1);
        assertEquals(0.75, r[3], 1e-12, "block 3 is free up to 0.75");
        assertTrue(Budget.params(0.9).achieved(TINY, pruned(r)) <= 0.9);
    }

    @Test
    void roundToStepsKeepWidthsMultiples() {
        double[][] loss = new double[12][];
        for (int b = 0; b < 12; b++) {
            loss[b] = new double[] {0.01 * b, 0.02 * b, 0.03 * b, 0.05 * b};
        }
        double[] r = Allocation.allocate(TINY, RATIOS, loss, Budget.macs(0.7), 64);
        for (double x : r) {
            assertEquals(0, Math.round(x * 768) % 64, "ratio " + x);
        }
        assertTrue(CostModel.totalMacs(pruned(r)) <= Budget.macs(0.7).limit(TINY));
    }

    @Test
    void budgetsBeyondTheMeasuredRatiosAreRefused() {
        double[][] loss = new double[12][4];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Allocation.allocate(TINY, new double[] {0.25, 0.5}, loss, Budget.macs(0.5), 1));
        assertTrue(e.getMessage().contains("measure higher ratios") || e.getMessage().contains("points"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Allocation.allocate(TINY, new double[] {0.5, 0.25}, new double[12][2], Budget.macs(0.9), 1));
    }
}
