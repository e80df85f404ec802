package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.neurons.HeadsTableModel;
import org.vbpstudio.app.prune.HeadControls;
import org.vbpstudio.app.prune.PruningViewModel;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.Evaluator;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.Network;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.stats.ActivationStats;

/**
 * A Swin's heads in the app (the swin-micro fixture: 2, 2 and 4 heads per stage, of widths 4, 8 and
 * 8): the bars and the heads table show each block's own heads, a click reaches the plan, and the
 * preview counts and scores the model {@code prune} exports for that plan.
 */
class SwinHeadsAppTest {
    private static final Path ROOT = Path.of("src/test/resources/fixtures/swin-micro");

    @Test
    void aSwinsHeadsAreShownToggledAndPreviewedAsPruneExportsThem() {
        try (FixtureStudio studio = new FixtureStudio()) {
            studio.vm.openModel(ROOT.resolve("timm"), ROOT.resolve("images"), ROOT.resolve("images"));
            studio.calibrate();
            PruningViewModel p = studio.vm.pruning();
            HeadControls heads = p.heads();
            assertTrue(heads.shownProperty().get());
            assertTrue(heads.enabledProperty().get(), heads.reasonProperty().get());
            assertArrayEquals(new int[] {2, 2, 2, 2, 4, 4}, p.blocks().stream().mapToInt(b -> b.heads()).toArray());
            assertEquals("heads 4 / 4", p.blocks().get(5).headsTextProperty().get());

            ActivationStats stats = studio.vm.workspace().stats();
            List<HeadsTableModel.Head> rows = studio.vm.neurons().heads().heads();
            assertEquals(16, rows.size());
            HeadsTableModel.Head row = rows.stream().filter(h -> h.block() == 3 && h.head() == 1).findFirst()
                    .orElseThrow();
            double[] mean = stats.attention().mean(3); // stage 1: heads of width 8, head 1 is channels 8…15
            double norm = Math.sqrt(Arrays.stream(mean, 8, 16).map(m -> m * m).sum());
            assertEquals(norm, row.meanNorm(), 1e-9 * norm);

            assertTrue(heads.toggle(0, 1));
            assertTrue(heads.toggle(4, 2));
            assertTrue(heads.toggle(4, 0));
            assertTrue(Arrays.deepEquals(new int[][] {{1}, {}, {}, {}, {0, 2}, {}}, p.selection().removedHeads()));
            assertEquals("heads 2 / 4", p.blocks().get(4).headsTextProperty().get());

            LoadedModel model = studio.vm.workspace().session().model();
            Pruner.Result r = Pruner.prune(model, stats, p.plan());
            ModelConfig pruned = r.model().config();
            assertArrayEquals(new int[] {1, 2, 2, 2, 2, 4}, pruned.blockHeads());
            assertEquals(CostModel.totalMacs(pruned), studio.vm.preview().macsProperty().get());
            try (NDManager manager = Engines.newManager(); Network net = r.model().instantiate(manager)) {
                assertEquals(Evaluator.evaluate(net, ImageSources.open(ROOT.resolve("images")), model.preprocessing(), 8,
                        MlpHook.NONE, Progress.NONE), studio.vm.preview().accuracyProperty().get());
            }
        }
    }
}
