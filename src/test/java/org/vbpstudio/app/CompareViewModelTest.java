package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.vbpstudio.app.compare.CompareViewModel;
import org.vbpstudio.eval.CriterionSweep;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.PruningPlan;

/** The criteria sweep: one point per series and ratio, each the masked model's accuracy. */
class CompareViewModelTest {

    @Test
    void sweepMeasuresEverySeriesAtEveryRatio() {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            CompareViewModel compare = studio.vm.compare();
            assertFalse(compare.canRunProperty().get()); // needs statistics
            studio.calibrate();
            assertTrue(compare.canRunProperty().get());
            compare.setRatios(0, 0.5, 0.9);
            compare.run();
            // the app's statistics carry no gradients: every series but taylor's
            assertEquals(java.util.Arrays.stream(CriterionSweep.Series.values())
                    .filter(s -> !s.criterion().needsGradients()).count() * 3, compare.points().size());
            for (CriterionSweep.Point p : compare.points()) {
                PruningPlan plan = PruningPlan.uniform(p.ratio(), 3).withCriterion(p.series().criterion())
                        .withCompensation(p.series().compensation());
                if (p.series().criterion() == Criterion.VARIANCE || p.ratio() == 0) {
                    assertEquals(FixtureStudio.Reference.accuracy(plan), p.accuracy(), p.toString());
                }
                int[] widths = CriterionSweep.widths(FixtureStudio.Reference.kept(plan));
                assertEquals(CostModel.totalMacs(FixtureStudio.Reference.model().config().withMlpHiddenDims(widths)),
                        p.macs());
            }
            assertFalse(compare.runningProperty().get());
            assertEquals("Same ratio in every block, 0–90%, 30 validation images", compare.statusProperty().get());
            assertTrue(compare.currentProperty().get() != null);

            studio.vm.pruning().modeProperty().set(PruningPlan.Mode.GLOBAL); // another mode: the sweep is stale
            assertTrue(compare.points().isEmpty());
        }
    }
}
