package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.app.prune.PruningViewModel;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.prune.HeadCut;
import org.vbpstudio.prune.PruningPlan;

/**
 * A session keeps the heads the user removed: they come back in the plan, the block cards and the
 * preview's cost; a session written before heads could be removed (its plan without "heads") opens
 * with every head.
 */
class HeadsSessionTest {

    @Test
    void removedHeadsSurviveASessionAndOlderSessionsOpenWithEveryHead(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("H.vbps");
        int[][] removed = {{0, 3}, {}, {1}};
        try (FixtureStudio a = new FixtureStudio(dir).open().calibrate()) {
            a.vm.pruning().blocks().get(2).ratioProperty().set(0.5);
            assertTrue(a.vm.pruning().heads().toggle(0, 3));
            assertTrue(a.vm.pruning().heads().toggle(2, 1));
            assertTrue(a.vm.pruning().heads().toggle(0, 0));
            assertTrue(a.vm.saveSession(file, false), a.dialogs.errors.toString());
        }
        ModelConfig cfg = FixtureStudio.Reference.model().config();
        try (FixtureStudio b = new FixtureStudio(dir)) {
            b.vm.openSession(file);
            assertTrue(b.dialogs.errors.isEmpty(), b.dialogs.errors.toString());
            PruningViewModel p = b.vm.pruning();
            assertEquals(new HeadCut.Removed(removed), p.plan().heads());
            assertTrue(Arrays.deepEquals(removed, p.selection().removedHeads()));
            for (int k = 0; k < removed.length; k++) {
                assertArrayEquals(removed[k], p.blocks().get(k).removedHeadsProperty().get());
            }
            assertEquals("heads 2 / 4", p.blocks().get(0).headsTextProperty().get());
            ModelConfig pruned = cfg.withMlpHiddenDims(p.selection().widths()).withBlockHeads(new int[] {2, 4, 3});
            assertEquals(CostModel.totalMacs(pruned), b.vm.preview().macsProperty().get());
            assertFalse(b.vm.undo().canUndoProperty().get());
        }

        JsonObject o = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        assertTrue(o.getAsJsonObject("plan").has("heads"));
        o.getAsJsonObject("plan").remove("heads"); // as written before heads could be removed
        Files.writeString(file, o.toString());
        try (FixtureStudio c = new FixtureStudio(dir)) {
            c.vm.openSession(file);
            assertTrue(c.dialogs.errors.isEmpty(), c.dialogs.errors.toString());
            assertNull(c.vm.pruning().plan().heads());
            assertNull(c.vm.pruning().selection().removedHeads());
            assertEquals(PruningPlan.perBlock(0, 0, 0.5), c.vm.pruning().plan());
            assertEquals(CostModel.totalMacs(cfg.withMlpHiddenDims(c.vm.pruning().selection().widths())),
                    c.vm.preview().macsProperty().get());
        }
    }
}
