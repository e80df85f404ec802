package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.prune.BlockViewModel;
import org.vbpstudio.app.prune.PruningViewModel;
import org.vbpstudio.stats.VarianceHistogram;
import org.vbpstudio.app.workspace.PlanSelection;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.PruningPlan;

/** The pruning controls, without a window: plans and selections must be the prune package's. */
class PruningViewModelTest {

    @Test
    void perBlockSlidersSelectWhatThePrunerSelects() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PruningViewModel p = studio.vm.pruning();
            assertEquals(3, p.blocks().size());
            p.blocks().get(0).ratioProperty().set(0.25);
            p.blocks().get(1).ratioProperty().set(0.5);
            p.blocks().get(2).ratioProperty().set(0.75);
            PruningPlan expected = PruningPlan.perBlock(0.25, 0.5, 0.75);
            assertEquals(expected, p.plan());
            PlanSelection sel = p.selection();
            assertTrue(sel.hasNeurons());
            assertTrue(Arrays.deepEquals(FixtureStudio.Reference.kept(expected), sel.kept()));
            assertArrayEquals(new int[] {144, 96, 48}, sel.widths());
            assertEquals("keeps 96 / 192", p.blocks().get(1).keptTextProperty().get());
        }
    }

    @Test
    void globalModeShowsEachBlocksEffectiveRatioAndLocksTheBlockSliders() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PruningViewModel p = studio.vm.pruning();
            p.modeProperty().set(PruningPlan.Mode.GLOBAL);
            p.globalRatioProperty().set(0.5);
            PruningPlan expected = PruningPlan.global(0.5);
            assertEquals(expected, p.plan());
            int[][] kept = FixtureStudio.Reference.kept(expected);
            assertTrue(Arrays.deepEquals(kept, p.selection().kept()));
            for (BlockViewModel b : p.blocks()) {
                assertFalse(b.editableProperty().get());
                assertEquals(1.0 - kept[b.index()].length / 192.0, b.ratio(), 1e-12);
            }
            // back to per-block: the effective ratios become the blocks' own, same selection
            p.modeProperty().set(PruningPlan.Mode.PER_BLOCK);
            assertTrue(p.blocks().get(0).editableProperty().get());
            assertTrue(Arrays.deepEquals(kept, p.selection().kept()));
        }
    }

    @Test
    void theGlobalSliderSetsEveryBlockInPerBlockMode() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PruningViewModel p = studio.vm.pruning();
            p.globalRatioProperty().set(0.3);
            assertEquals(PruningPlan.uniform(0.3, 3), p.plan());
        }
    }

    @Test
    void varianceNeedsStatisticsButWidthsAreKnownPerBlock() {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            PruningViewModel p = studio.vm.pruning();
            p.globalRatioProperty().set(0.5);
            PlanSelection sel = p.selection();
            assertFalse(sel.hasNeurons());
            assertArrayEquals(new int[] {96, 96, 96}, sel.widths());
            assertTrue(p.messageProperty().get().contains("statistics"), p.messageProperty().get());
            assertNull(p.blocks().get(0).histogramProperty().get());

            p.criterionProperty().set(Criterion.MAGNITUDE);
            p.compensationProperty().set(Compensation.NONE);
            assertTrue(p.selection().hasNeurons());
            assertEquals("", p.messageProperty().get());
        }
    }

    @Test
    void histogramsCountEveryNeuronAndMarkTheCut() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PruningViewModel p = studio.vm.pruning();
            p.globalRatioProperty().set(0.5);
            for (BlockViewModel b : p.blocks()) {
                VarianceHistogram h = b.histogramProperty().get();
                assertNotNull(h);
                assertEquals(192, Arrays.stream(h.total()).sum());
                assertEquals(96, Arrays.stream(h.kept()).sum());
                assertFalse(Double.isNaN(h.cutLog10()));
            }
            p.criterionProperty().set(Criterion.RANDOM);
            assertTrue(Double.isNaN(p.blocks().get(0).histogramProperty().get().cutLog10()));
        }
    }

    @Test
    void applyingAPlanSetsEveryControl() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PruningViewModel p = studio.vm.pruning();
            PruningPlan plan = PruningPlan.perBlock(0.1, 0.2, 0.3).withCriterion(Criterion.MAGNITUDE)
                    .withCompensation(Compensation.NONE).withRoundTo(8);
            p.apply(plan);
            assertEquals(plan, p.plan());
            assertEquals(8, p.roundToProperty().get());
            for (int w : p.selection().widths()) {
                assertEquals(0, w % 8);
            }
            PruningPlan global = PruningPlan.global(0.4).withSeed(7).withCriterion(Criterion.RANDOM);
            p.apply(global);
            assertEquals(global, p.plan());
        }
    }
}
