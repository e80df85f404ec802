package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.prune.HeadControls;
import org.vbpstudio.app.prune.PruningViewModel;
import org.vbpstudio.app.undo.UndoViewModel;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.HeadCut;
import org.vbpstudio.prune.HeadScores;
import org.vbpstudio.prune.HeadSelection;
import org.vbpstudio.prune.PruningPlan;

/**
 * Head clicks and the head ratio are undo steps like the neurons' sliders: undo restores the heads
 * removed, the ratio's slider and what the preview counts (the MACs of the model without those
 * heads, from the core's cost model), and redo comes back.
 */
class HeadsUndoTest {

    private static long macsWithout(int[][] removed) {
        ModelConfig cfg = FixtureStudio.Reference.model().config();
        int[] heads = cfg.blockHeads();
        for (int b = 0; removed != null && b < heads.length; b++) {
            heads[b] -= removed[b].length;
        }
        return CostModel.totalMacs(cfg.withBlockHeads(heads));
    }

    private static void assertHeads(FixtureStudio studio, int[][] removed, double ratio) {
        PruningViewModel p = studio.vm.pruning();
        assertTrue(Arrays.deepEquals(removed, p.selection().removedHeads()),
                Arrays.deepToString(p.selection().removedHeads()));
        assertEquals(ratio, p.heads().ratioProperty().get());
        assertEquals(macsWithout(removed), studio.vm.preview().macsProperty().get());
        for (int b = 0; b < p.blocks().size(); b++) {
            assertArrayEquals(removed == null ? new int[0] : removed[b],
                    p.blocks().get(b).removedHeadsProperty().get());
        }
    }

    @Test
    void headClicksAndTheHeadRatioUndoAndRedoWithThePreview() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PruningViewModel p = studio.vm.pruning();
            HeadControls heads = p.heads();
            UndoViewModel undo = studio.vm.undo();
            assertFalse(undo.canUndoProperty().get());

            assertTrue(heads.toggle(1, 2));
            int[][] clicked = {{}, {2}, {}};
            assertHeads(studio, clicked, 0);

            heads.ratioProperty().set(0.5);
            double[][] scores = HeadScores.scores(Criterion.VARIANCE, FixtureStudio.Reference.model().config(),
                    FixtureStudio.Reference.model().weights(), FixtureStudio.Reference.stats(), 0);
            int[][] byRatio = HeadSelection.removed(PruningPlan.uniform(0, 3).withHeads(new HeadCut.Ratio(0.5)),
                    new int[] {4, 4, 4}, scores);
            assertHeads(studio, byRatio, 0.5);

            int extra = IntStream.range(0, 4).filter(h -> Arrays.stream(byRatio[0]).noneMatch(x -> x == h))
                    .findFirst().orElseThrow(); // a head the ratio kept
            assertTrue(heads.toggle(0, extra));
            int[][] last = {IntStream.concat(Arrays.stream(byRatio[0]), IntStream.of(extra)).sorted().toArray(),
                byRatio[1], byRatio[2]};
            assertHeads(studio, last, 0.5);

            undo.undo();
            assertHeads(studio, byRatio, 0.5);
            undo.undo();
            assertHeads(studio, clicked, 0);
            undo.undo();
            assertHeads(studio, null, 0);
            assertFalse(undo.canUndoProperty().get());

            undo.redo();
            assertHeads(studio, clicked, 0);
            undo.redo();
            undo.redo();
            assertHeads(studio, last, 0.5);
            assertFalse(undo.canRedoProperty().get());
        }
    }
}
