package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.app.prune.HeadControls;
import org.vbpstudio.app.prune.PruningViewModel;
import org.vbpstudio.app.workspace.PlanSelection;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.Evaluator;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.Network;
import org.vbpstudio.prune.HeadCut;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;

/**
 * Global mode's "rank heads with the neurons": the plan is {@code "heads": {"joint": true}}, the app
 * selects the neurons and heads {@code prune} removes for it ({@link Pruner#prune}, run here on the
 * app's statistics), the preview scores the model {@code prune} exports, the head controls rest, and
 * the choice undoes and survives a session.
 */
class JointHeadsTest {

    /** The app's selection and preview against what prune exports for the same plan. */
    private static void assertPruneExports(FixtureStudio studio, PruningPlan plan) {
        LoadedModel model = FixtureStudio.Reference.model();
        Pruner.Result r = Pruner.prune(model, studio.vm.workspace().stats(), plan);
        PlanSelection sel = studio.vm.pruning().selection();
        assertTrue(sel.removesHeads(), "the ratio is high enough for heads to go");
        assertTrue(Arrays.deepEquals(r.kept(), sel.kept()));
        int[] heads = model.config().blockHeads();
        for (int b = 0; b < heads.length; b++) {
            heads[b] -= sel.removedHeads()[b].length;
        }
        assertArrayEquals(r.model().config().blockHeads(), heads);
        assertEquals(CostModel.totalMacs(r.model().config()), studio.vm.preview().macsProperty().get());
        try (NDManager manager = Engines.newManager(); Network pruned = r.model().instantiate(manager)) {
            assertEquals(Evaluator.evaluate(pruned, FixtureStudio.Reference.images(), model.preprocessing(), 32,
                    MlpHook.NONE, Progress.NONE), studio.vm.preview().accuracyProperty().get());
        }
    }

    @Test
    void jointHeadsSelectWhatPruneExportsAndRestTheHeadControls(@TempDir Path dir) {
        Path file = dir.resolve("J.vbps");
        PruningPlan plan;
        try (FixtureStudio studio = new FixtureStudio(dir).open().calibrate()) {
            PruningViewModel p = studio.vm.pruning();
            HeadControls heads = p.heads();
            p.roundToProperty().set(8);
            p.modeProperty().set(PruningPlan.Mode.GLOBAL);
            p.globalRatioProperty().set(0.5);
            assertNull(p.selection().removedHeads());
            heads.jointProperty().set(true);
            plan = p.plan();
            assertEquals(new HeadCut.Joint(), plan.heads());
            assertEquals(0, plan.roundTo(), "the joint ranking takes no rounding");
            assertPruneExports(studio, plan);
            assertTrue(heads.rankedProperty().get());
            assertFalse(heads.toggle(0, 0), "the ranking chooses the heads");
            assertTrue(heads.statusProperty().get().contains("joint ranking"), heads.statusProperty().get());
            assertArrayEquals(p.selection().removedHeads()[0], p.blocks().get(0).removedHeadsProperty().get());

            studio.vm.undo().undo(); // joint off again
            assertNull(p.selection().removedHeads());
            assertFalse(heads.jointProperty().get());
            assertFalse(heads.rankedProperty().get());
            studio.vm.undo().redo();
            assertEquals(plan, p.plan());
            assertPruneExports(studio, plan);

            p.modeProperty().set(PruningPlan.Mode.PER_BLOCK); // per block the heads are the user's again
            assertFalse(heads.rankedProperty().get());
            assertFalse(p.plan().heads() instanceof HeadCut.Joint);
            p.modeProperty().set(PruningPlan.Mode.GLOBAL);
            assertEquals(plan, p.plan());
            assertTrue(studio.vm.saveSession(file, false), studio.dialogs.errors.toString());
        }
        try (FixtureStudio reopened = new FixtureStudio(dir)) {
            reopened.vm.openSession(file);
            assertTrue(reopened.dialogs.errors.isEmpty(), reopened.dialogs.errors.toString());
            assertEquals(plan, reopened.vm.pruning().plan());
            assertTrue(reopened.vm.pruning().heads().jointProperty().get());
            assertPruneExports(reopened, plan);
        }
    }
}
