package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.prune.BlockViewModel;
import org.vbpstudio.app.prune.PruningViewModel;
import org.vbpstudio.app.prune.StageViewModel;
import org.vbpstudio.app.undo.UndoViewModel;
import org.vbpstudio.app.workspace.ModelSession;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.Stage;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.Selection;

/**
 * The stage sliders without a window: on a three-stage Swin (2, 3, 2 blocks) a stage's ratio sets
 * exactly its blocks, as one undo step, follows the global slider and the blocks, and is locked to
 * the effective ratios in global mode; a ViT has one stage.
 */
class StageRatiosTest {
    private static final Path DIR = Path.of("swin-micro");

    /** A studio with the random Swin open (no images: nothing runs the model). */
    private static FixtureStudio swinStudio() {
        FixtureStudio studio = new FixtureStudio();
        LoadedModel model = StagedModels.random(StagedModels.swin(), DIR, 1);
        studio.vm.workspace().open(new ModelSession(model), null, null);
        return studio;
    }

    private static double[] ratios(PruningViewModel p) {
        return p.blocks().stream().mapToDouble(BlockViewModel::ratio).toArray();
    }

    @Test
    void blocksAreGroupedByTheModelsStages() {
        try (FixtureStudio studio = swinStudio()) {
            PruningViewModel p = studio.vm.pruning();
            List<StageViewModel> stages = p.stages();
            assertEquals(3, stages.size());
            int[][] members = {{0, 1}, {2, 3, 4}, {5, 6}};
            for (int s = 0; s < 3; s++) {
                assertArrayEquals(members[s], stages.get(s).blocks().stream().mapToInt(BlockViewModel::index).toArray());
                assertTrue(stages.get(s).blocks().stream().allMatch(b -> b == p.blocks().get(b.index())),
                        "the stage holds the panel's own block models");
            }
            assertEquals("Stage 1 · 4×4 · 16", stages.get(1).title());
            assertEquals("keeps 192 / 192", stages.get(1).keptTextProperty().get());
        }
    }

    @Test
    void aStageSliderSetsExactlyItsBlocksAsOneUndoStep() {
        try (FixtureStudio studio = swinStudio()) {
            PruningViewModel p = studio.vm.pruning();
            UndoViewModel undo = studio.vm.undo();
            p.blocks().get(5).ratioProperty().set(0.5); // a block of another stage, set before
            double[] before = ratios(p);
            assertTrue(undo.canUndoProperty().get());
            undo.history().reset();

            p.stages().get(1).ratioProperty().set(0.25);
            assertArrayEquals(new double[] {0, 0, 0.25, 0.25, 0.25, 0.5, 0}, ratios(p));
            assertEquals(PruningPlan.perBlock(0, 0, 0.25, 0.25, 0.25, 0.5, 0), p.plan());
            // widths by the cost of the plan alone: a quarter of 64 removed in stage 1, half of 128 in block 5
            assertArrayEquals(new int[] {32, 32, 48, 48, 48, 64, 128}, p.selection().widths());
            assertEquals("keeps 144 / 192", p.stages().get(1).keptTextProperty().get());
            assertEquals(0.25, p.stages().get(1).ratio());
            assertEquals(0.25, p.stages().get(2).ratio(), 1e-12, "stage 2: half of one block of two");

            undo.undo();
            assertArrayEquals(before, ratios(p));
            assertEquals(0, p.stages().get(1).ratio());
            assertFalse(undo.canUndoProperty().get(), "one step");
            undo.redo();
            assertArrayEquals(new double[] {0, 0, 0.25, 0.25, 0.25, 0.5, 0}, ratios(p));
        }
    }

    @Test
    void aStageDragIsOneStepAndFollowsTheGlobalSliderAndItsBlocks() {
        try (FixtureStudio studio = swinStudio()) {
            PruningViewModel p = studio.vm.pruning();
            UndoViewModel undo = studio.vm.undo();
            StageViewModel stage = p.stages().get(0);
            stage.adjustingProperty().set(true);
            for (double r = 0.1; r < 0.6; r += 0.1) {
                stage.ratioProperty().set(r);
            }
            stage.adjustingProperty().set(false);
            undo.undo();
            assertArrayEquals(new double[7], ratios(p), "the whole drag undone at once");
            assertFalse(undo.canUndoProperty().get());

            p.globalRatioProperty().set(0.3); // per-block mode: every block, so every stage
            for (StageViewModel s : p.stages()) {
                assertEquals(0.3, s.ratio());
            }
            p.blocks().get(2).ratioProperty().set(0.6); // one block of stage 1: the stage shows the mean
            assertEquals((0.6 + 0.3 + 0.3) / 3, p.stages().get(1).ratio(), 1e-12);
            assertEquals(0.3, p.stages().get(0).ratio());
        }
    }

    @Test
    void globalModeLocksTheStagesAtTheirEffectiveRatios() {
        try (FixtureStudio studio = swinStudio()) {
            PruningViewModel p = studio.vm.pruning();
            p.criterionProperty().set(Criterion.MAGNITUDE); // needs no statistics
            p.compensationProperty().set(Compensation.NONE);
            p.modeProperty().set(PruningPlan.Mode.GLOBAL);
            p.globalRatioProperty().set(0.5);
            PruningPlan plan = p.plan();
            ModelConfig cfg = StagedModels.swin();
            int[][] kept = Selection.kept(plan, Pruner.scores(studio.vm.workspace().session().model(), null, plan));
            for (StageViewModel s : p.stages()) {
                Stage st = s.stage();
                assertFalse(s.editableProperty().get());
                int k = IntStream.range(st.firstBlock(), st.endBlock()).map(b -> kept[b].length).sum();
                int h = IntStream.range(st.firstBlock(), st.endBlock()).map(cfg::mlpHiddenDim).sum();
                assertEquals(1.0 - (double) k / h, s.ratio(), 1e-12, st.label());
            }
            p.stages().get(1).ratioProperty().set(0.9); // locked: the threshold decides
            assertEquals(plan, p.plan());
            assertEquals(1.0 - (double) (kept[2].length + kept[3].length + kept[4].length) / 192,
                    p.stages().get(1).ratio(), 1e-12);

            p.modeProperty().set(PruningPlan.Mode.PER_BLOCK); // the effective ratios become the blocks' own
            assertTrue(p.stages().get(1).editableProperty().get());
            p.stages().get(1).ratioProperty().set(0.25);
            assertEquals(0.25, p.blocks().get(3).ratio());
        }
    }

    @Test
    void aVitIsOneStageWhoseSliderIsTheGlobalOne() {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            PruningViewModel p = studio.vm.pruning();
            assertEquals(1, p.stages().size());
            assertEquals(3, p.stages().get(0).blocks().size());
            assertEquals("Block 2", p.blocks().get(2).title());
            p.stages().get(0).ratioProperty().set(0.4);
            assertEquals(PruningPlan.uniform(0.4, 3), p.plan());
        }
    }
}
