package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.vbpstudio.app.prune.BlockViewModel;
import org.vbpstudio.app.prune.PruningViewModel;
import org.vbpstudio.app.prune.TargetViewModel;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.prune.Budget;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.PruningPlan;

/** The Target box without a window: budgets move the sliders, sensitivity fills the cards, allocation. */
class TargetViewModelTest {

    static double macsFraction(PruningViewModel p) {
        VitConfig cfg = p.model().config();
        return (double) CostModel.totalMacs(cfg.withMlpHiddenDims(p.selection().widths())) / CostModel.totalMacs(cfg);
    }

    @Test
    void targetsMoveTheSlidersInEitherMode() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PruningViewModel p = studio.vm.pruning();
            TargetViewModel t = studio.vm.target();
            t.kindProperty().set(TargetViewModel.Kind.MACS_PERCENT);
            t.valueProperty().set(80);
            t.apply();
            double f = macsFraction(p);
            assertTrue(f <= 0.8 && f >= 0.795, "per block " + f);
            double r0 = p.blocks().get(0).ratio();
            assertTrue(r0 > 0 && p.blocks().stream().allMatch(b -> b.ratio() == r0), "one ratio in every block");
            assertTrue(t.messageProperty().get().startsWith("MACs"), t.messageProperty().get());

            p.modeProperty().set(PruningPlan.Mode.GLOBAL);
            p.standardizeProperty().set(true);
            t.kindProperty().set(TargetViewModel.Kind.SPEEDUP);
            t.valueProperty().set(1.25);
            t.apply();
            f = macsFraction(p);
            assertTrue(f <= 0.8 && f >= 0.795, "global, standardised " + f);
            assertEquals(PruningPlan.Normalize.STANDARDIZE, p.plan().normalize());
            assertEquals(Budget.macs(0.8), t.budget());

            t.kindProperty().set(TargetViewModel.Kind.PARAMS_PERCENT);
            t.valueProperty().set(1);
            t.apply();
            assertTrue(t.messageProperty().get().startsWith("cannot meet"), t.messageProperty().get());
        }
    }

    @Test
    void sensitivityFillsEveryCardAndAllocationMeetsTheTarget() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PruningViewModel p = studio.vm.pruning();
            TargetViewModel t = studio.vm.target();
            assertFalse(t.hasSensitivityProperty().get());
            t.allocate();
            assertEquals("Compute sensitivity first", t.messageProperty().get());
            t.computeSensitivity(); // same-thread executor: done on return
            assertTrue(t.hasSensitivityProperty().get(), t.messageProperty().get());
            assertFalse(t.runningProperty().get());
            for (BlockViewModel b : p.blocks()) {
                BlockViewModel.SensitivityCurve c = b.sensitivityProperty().get();
                assertNotNull(c);
                assertEquals(TargetViewModel.RATIOS.length + 1, c.ratios().length);
                assertEquals(FixtureStudio.Reference.originalAccuracy().top1(), c.scores()[0], 1e-12);
            }
            t.kindProperty().set(TargetViewModel.Kind.MACS_PERCENT);
            t.valueProperty().set(75);
            p.modeProperty().set(PruningPlan.Mode.GLOBAL);
            t.allocate();
            assertEquals(PruningPlan.Mode.PER_BLOCK, p.modeProperty().get());
            double f = macsFraction(p);
            assertTrue(f <= 0.75 && f >= 0.745, "allocated " + f + ": " + t.messageProperty().get());
            assertTrue(t.messageProperty().get().startsWith("Allocated"), t.messageProperty().get());
            // curves belong to one criterion: changing it forgets them
            p.criterionProperty().set(Criterion.WANDA);
            assertFalse(t.hasSensitivityProperty().get());
            assertNull(p.blocks().get(0).sensitivityProperty().get());
        }
    }
}
