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
 * preview's cost, and the head ratio's slider and joint choice come back as they were shown; a session
 * written before heads could be removed (its plan without "heads") opens with every head.
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

    @Test
    void theHeadRatiosSliderAndTheJointChoiceComeBackWithTheHeadsTheyChose(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("R.vbps");
        int[][] removed;
        try (FixtureStudio a = new FixtureStudio(dir).open().calibrate()) {
            a.vm.pruning().heads().ratioProperty().set(0.5);
            a.vm.pruning().heads().jointProperty().set(true); // per-block mode: shown, not in the plan
            int[][] chosen = a.vm.pruning().heads().removed();
            assertTrue(chosen != null && chosen[0].length > 0, "the ratio removed heads in block 0");
            assertTrue(a.vm.pruning().heads().toggle(0, chosen[0][0])); // a toggle: the plan lists the heads
            removed = a.vm.pruning().heads().removed();
            assertEquals(new HeadCut.Removed(removed), a.vm.pruning().plan().heads());
            assertTrue(a.vm.saveSession(file, false), a.dialogs.errors.toString());
        }
        JsonObject o = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        assertEquals(0.5, o.get("head_ratio").getAsDouble());
        assertTrue(o.get("joint_heads").getAsBoolean());
        try (FixtureStudio b = new FixtureStudio(dir)) {
            b.vm.openSession(file);
            assertTrue(b.dialogs.errors.isEmpty(), b.dialogs.errors.toString());
            PruningViewModel p = b.vm.pruning();
            assertEquals(0.5, p.heads().ratioProperty().get(), "the slider where it was");
            assertTrue(p.heads().jointProperty().get());
            assertEquals(new HeadCut.Removed(removed), p.plan().heads(), "the toggled heads, not the ratio's choice again");
            assertTrue(Arrays.deepEquals(removed, p.selection().removedHeads()));
        }

        o.remove("head_ratio"); // a session written before the slider was saved
        o.remove("joint_heads");
        Files.writeString(file, o.toString());
        try (FixtureStudio c = new FixtureStudio(dir)) {
            c.vm.openSession(file);
            assertTrue(c.dialogs.errors.isEmpty(), c.dialogs.errors.toString());
            assertEquals(0, c.vm.pruning().heads().ratioProperty().get());
            assertFalse(c.vm.pruning().heads().jointProperty().get());
            assertEquals(new HeadCut.Removed(removed), c.vm.pruning().plan().heads());
        }

        o.addProperty("head_ratio", 1.5);
        Files.writeString(file, o.toString());
        try (FixtureStudio d = new FixtureStudio(dir)) {
            d.vm.openSession(file);
            assertEquals(1, d.dialogs.errors.size());
            assertTrue(d.dialogs.errors.get(0).contains("R.vbps") && d.dialogs.errors.get(0).contains("head_ratio"),
                    d.dialogs.errors.toString());
        }
    }
}
