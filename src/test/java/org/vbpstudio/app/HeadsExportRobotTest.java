package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeoutException;
import javafx.geometry.Point2D;
import javafx.scene.control.DialogPane;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.vbpstudio.app.prune.HeadBarsView;
import org.vbpstudio.data.Batch;
import org.vbpstudio.data.BatchLoader;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.prune.Exporter;
import org.vbpstudio.prune.HeadCut;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.StatsFile;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Diffs;
import org.vbpstudio.testutil.Fixture;

/**
 * Heads removed in the real window (headless Monocle) and exported: the export's plan names those
 * heads, its report counts each block's heads before and after, and its logits are those of the
 * model the {@code prune} command writes for that plan on the app's statistics.
 */
@Tag("slow") // drives a window and runs prune
class HeadsExportRobotTest extends RobotWindowFixture {
    @Start
    void start(Stage stage) {
        openWindow(stage);
    }

    @Test
    void headsRemovedInTheAppExportAsPruneWritesThem(FxRobot robot, @TempDir Path dir) throws Exception {
        calibrate(robot);
        waitFor(() -> robot.lookup("#blockHeads2").queryAs(HeadBarsView.class).scoresProperty().get() != null);
        robot.doubleClickOn("#blockField0").write("40").type(KeyCode.ENTER);
        clickHead(robot, 1, 2);
        waitFor(() -> text(robot, "#blockHeadsKept1").equals("heads 3 / 4"));
        clickHead(robot, 2, 0);
        waitFor(() -> text(robot, "#blockHeadsKept2").equals("heads 3 / 4"));
        clickHead(robot, 2, 3);
        waitFor(() -> text(robot, "#blockHeadsKept2").equals("heads 2 / 4"));
        int[][] removed = {{}, {2}, {0, 3}};
        int[][] selected = onFxThread(() -> window.viewModel().pruning().selection().removedHeads());
        assertTrue(Arrays.deepEquals(removed, selected), Arrays.deepToString(selected));

        Path out = dir.resolve("pruned");
        answers.add(out);
        robot.clickOn("#macsLabel").push(KeyCode.CONTROL, KeyCode.E);
        waitFor(() -> robot.lookup("#infoDialog").tryQuery().isPresent());
        assertTrue(((DialogPane) robot.lookup("#infoDialog").query()).getContentText().contains(out.toString()));

        PruningPlan plan = PruningPlan.read(out.resolve(Exporter.PLAN));
        assertEquals(new HeadCut.Removed(removed), plan.heads());
        assertEquals(PruningPlan.perBlock(0.4, 0, 0).withHeads(new HeadCut.Removed(removed)), plan);

        // prune, replaying the exported plan on the app's statistics
        Path stats = dir.resolve("app.stats.safetensors");
        LoadedModel original = FixtureStudio.Reference.model();
        StatsFile.write(stats, window.viewModel().workspace().stats(), original.fingerprint());
        Path byPrune = dir.resolve("by-prune");
        Cli.Run run = Cli.run("prune", "--model", Fixture.TIMM.toString(), "--stats", stats.toString(),
                "--plan", out.resolve(Exporter.PLAN).toString(), "--output", byPrune.toString());
        assertEquals(0, run.code(), run.err());

        LoadedModel exported = ModelLoader.load(out);
        assertArrayEquals(new int[] {4, 3, 2}, exported.config().blockHeads());
        double diff = Diffs.maxDiff(logits(ModelLoader.load(byPrune)), logits(exported));
        assertTrue(diff < 1e-6, "the app's export against prune's: " + diff);

        JsonArray blocks = json(out.resolve(Exporter.REPORT)).getAsJsonArray("blocks");
        for (int b = 0; b < removed.length; b++) {
            JsonObject block = blocks.get(b).getAsJsonObject();
            assertEquals(4, block.get("heads_before").getAsInt());
            assertEquals(4 - removed[b].length, block.get("heads_after").getAsInt());
        }
    }

    private static float[] logits(LoadedModel model) {
        int k = model.config().numClasses();
        float[] all = new float[FixtureStudio.Reference.images().size() * k];
        try (NDManager manager = Engines.newManager(); Network net = model.instantiate(manager);
                BatchLoader loader = BatchLoader.builder(FixtureStudio.Reference.images(), model.preprocessing())
                        .batchSize(8).build()) {
            while (loader.hasNext()) {
                Batch b = loader.next();
                float[] l = net.logits(b.pixels(), b.count(), MlpHook.NONE);
                System.arraycopy(l, 0, all, b.start() * k, l.length);
            }
        }
        return all;
    }

    private static JsonObject json(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    private static void clickHead(FxRobot robot, int block, int head) {
        HeadBarsView bars = robot.lookup("#blockHeads" + block).queryAs(HeadBarsView.class);
        Point2D p = onFxThread(() -> bars.localToScreen(bars.centreOf(head), bars.getHeight() / 2));
        robot.clickOn(p);
    }
}
