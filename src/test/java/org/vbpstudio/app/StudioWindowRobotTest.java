package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import javafx.scene.Node;
import javafx.scene.control.ButtonType;
import javafx.scene.control.DialogPane;
import javafx.scene.control.Label;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.Slider;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.stage.Stage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.LogFiles;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.prune.Exporter;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;

/**
 * The real main window, driven by the robot (headless Monocle): nodes are found by id, waits are
 * on the window's state, and expected values come from the core directly.
 */
@Tag("slow") // drives a window: 5–7 s a case
class StudioWindowRobotTest extends RobotWindowFixture {
    @Start
    void start(Stage stage) {
        openWindow(stage);
    }

    @Test
    void calibrateMoveABlockSliderAndSeeTheCoresNumbers(FxRobot robot) throws TimeoutException {
        calibrate(robot);

        Node thumb = robot.lookup("#blockSlider1").lookup(".thumb").query();
        robot.drag(thumb, MouseButton.PRIMARY).moveBy(70, 0).release(MouseButton.PRIMARY);
        double[] ratios = shownRatios(robot);
        assertTrue(ratios[1] > 0.1, Arrays.toString(ratios));
        PruningPlan plan = PruningPlan.perBlock(ratios);
        assertEquals(plan, window.viewModel().pruning().plan());

        VitConfig cfg = (VitConfig) FixtureStudio.Reference.model().config();
        int[][] kept = FixtureStudio.Reference.kept(plan);
        VitConfig pruned = cfg.withMlpHiddenDims(Arrays.stream(kept).mapToInt(k -> k.length).toArray());
        String macs = String.format(Locale.ROOT, "%,d\n−", CostModel.totalMacs(pruned));
        String params = String.format(Locale.ROOT, "%,d\n−", CostModel.totalParams(pruned));
        Accuracy accuracy = FixtureStudio.Reference.accuracy(plan);
        String top1 = String.format(Locale.ROOT, "%.2f%%", 100.0 * accuracy.correct1() / accuracy.count());

        waitFor(() -> text(robot, "#macsDetailLabel").startsWith(macs));
        assertTrue(text(robot, "#paramsDetailLabel").startsWith(params), text(robot, "#paramsDetailLabel"));
        waitFor(() -> !stale(robot, "#accuracyLabel") && text(robot, "#accuracyLabel").equals(top1));
        assertTrue(text(robot, "#accuracyDetailLabel").startsWith(accuracy.correct1() + " / 30 · "));
        assertEquals("keeps " + kept[1].length + " / 192", text(robot, "#blockKept1"));
    }

    @Test
    void exportWritesAModelThatLoadsBack(FxRobot robot, @TempDir Path dir) throws TimeoutException {
        calibrate(robot);
        robot.doubleClickOn("#blockField0").write("40").type(KeyCode.ENTER);
        robot.doubleClickOn("#blockField2").write("75").type(KeyCode.ENTER);
        waitFor(() -> window.viewModel().pruning().plan().equals(PruningPlan.perBlock(0.4, 0, 0.75)));

        Path out = dir.resolve("pruned");
        answers.add(out);
        robot.clickOn("#macsLabel").push(KeyCode.CONTROL, KeyCode.E);
        waitFor(() -> robot.lookup("#infoDialog").tryQuery().isPresent());
        assertTrue(((DialogPane) robot.lookup("#infoDialog").query()).getContentText().contains(out.toString()));

        PruningPlan plan = PruningPlan.perBlock(0.4, 0, 0.75);
        // the app's statistics: calibration shared the preview's pass (float32 rounding apart, a pass of its own)
        LoadedModel expected = Pruner.prune(FixtureStudio.Reference.model(), window.viewModel().workspace().stats(),
                plan).model();
        LoadedModel exported = ModelLoader.load(out);
        assertArrayEquals(expected.config().mlpHiddenDims(), exported.config().mlpHiddenDims());
        assertEquals(expected.fingerprint(), exported.fingerprint());
        assertEquals(plan, PruningPlan.read(out.resolve(Exporter.PLAN)));
        assertTrue(Files.isRegularFile(out.resolve(Exporter.REPORT)));
    }

    @Test
    void aCorruptModelShowsTheOneLineErrorAndTheAppStaysUsable(FxRobot robot, @TempDir Path dir) throws Exception {
        waitFor(() -> window.viewModel().workspace().session() != null);
        Path bad = MainViewModelTest.corruptModel(dir);
        String expected = assertThrows(BadInputException.class, () -> ModelLoader.load(bad)).getMessage();

        answers.add(bad.resolve("model.safetensors"));
        robot.clickOn("#macsLabel").push(KeyCode.CONTROL, KeyCode.O);
        waitFor(() -> robot.lookup("#errorDialog").tryQuery().isPresent());
        DialogPane pane = robot.lookup("#errorDialog").query();
        assertEquals("Cannot open model", pane.getHeaderText());
        assertEquals(expected, pane.getContentText());
        assertFalse(pane.getContentText().contains("\n"));
        Label hint = (Label) pane.getExpandableContent();
        assertTrue(pane.isExpanded() && hint.getText().endsWith("in the log: " + LogFiles.file()), hint.getText());

        robot.clickOn(pane.lookupButton(ButtonType.OK));
        waitFor(() -> robot.lookup("#errorDialog").tryQuery().isEmpty());
        assertEquals("VBP Studio — timm", window.stage().getTitle());
        calibrate(robot); // still usable
    }

    @Test
    void helpOpenLogFolderSaysWhereTheLogIs(FxRobot robot) throws TimeoutException {
        MenuBar bar = robot.lookup("#menuBar").queryAs(MenuBar.class);
        MenuItem item = bar.getMenus().stream().flatMap(m -> m.getItems().stream())
                .filter(i -> "openLogFolderItem".equals(i.getId())).findFirst().orElseThrow();
        assertEquals("Open Log Folder", item.getText());
        robot.interact(item::fire); // no file manager under the robot's dialogs: the folder is named instead
        waitFor(() -> robot.lookup("#infoDialog").tryQuery().isPresent());
        DialogPane pane = robot.lookup("#infoDialog").query();
        assertEquals("The log files are in " + LogFiles.file().getParent(), pane.getContentText());
        assertTrue(Files.isDirectory(LogFiles.file().getParent()));
        robot.clickOn(pane.lookupButton(ButtonType.OK));
        waitFor(() -> robot.lookup("#infoDialog").tryQuery().isEmpty());
    }

    // ------------------------------------------------------------------------------ helpers

    /** The ratios the block fields show, as fractions. */
    private static double[] shownRatios(FxRobot robot) {
        double[] r = new double[3];
        for (int b = 0; b < 3; b++) {
            TextField field = robot.lookup("#blockField" + b).queryAs(TextField.class);
            r[b] = Double.parseDouble(field.getText()) / 100;
            Slider slider = robot.lookup("#blockSlider" + b).queryAs(Slider.class);
            assertEquals(slider.getValue() / 100, r[b], 1e-9);
        }
        return r;
    }

    private static boolean stale(FxRobot robot, String id) {
        return robot.lookup(id).query().getPseudoClassStates().stream().anyMatch(p -> p.getPseudoClassName().equals("stale"));
    }
}
