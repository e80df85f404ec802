package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeoutException;
import javafx.scene.chart.LineChart;
import javafx.scene.control.DialogPane;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.prune.Exporter;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.train.FinetuneExport;

/**
 * The Recover tab of the real window, driven by the robot (headless Monocle): prune a block,
 * choose training images, fine-tune, watch the charts fill, export. Nodes by id, waits on state.
 */
@Tag("slow") // drives a window: 5–7 s a case
class RecoverWindowRobotTest extends RobotWindowFixture {
    @Start
    void start(Stage stage) {
        openWindow(stage);
    }

    @Test
    void fineTuneThePrunedModelWatchTheChartsAndExport(FxRobot robot, @TempDir Path dir) throws TimeoutException {
        waitFor(() -> !robot.lookup("#calibrateButton").query().isDisabled());
        robot.clickOn("#calibrateButton");
        waitFor(() -> window.viewModel().workspace().stats() != null);
        waitFor(() -> !robot.lookup("#blockField0").query().isDisabled());
        robot.doubleClickOn("#blockField0").write("50").type(KeyCode.ENTER);
        PruningPlan plan = PruningPlan.perBlock(0.5, 0, 0);
        waitFor(() -> window.viewModel().pruning().plan().equals(plan));

        robot.clickOn("Recover");
        waitFor(() -> robot.lookup("#startButton").tryQuery().map(n -> n.isVisible()).orElse(false));
        assertTrue(robot.lookup("#startButton").query().isDisabled(), "no training images yet");
        answers.add(Fixture.IMAGES);
        robot.clickOn("#trainingFolderButton");
        waitFor(() -> text(robot, "#trainingLabel").startsWith("30 labelled images"));
        waitFor(() -> !robot.lookup("#startButton").query().isDisabled());

        robot.clickOn("#startButton");
        waitFor(() -> window.viewModel().recover().resultProperty().get() != null);
        waitFor(() -> !window.viewModel().recover().runningProperty().get());
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(text(robot, "#recoverResultLabel").startsWith("Top-1 "), text(robot, "#recoverResultLabel"));
        LineChart<?, ?> loss = robot.lookup("#lossChart").queryAs(LineChart.class);
        LineChart<?, ?> accuracy = robot.lookup("#accuracyChart").queryAs(LineChart.class);
        int[] points = onFxThread(() -> new int[] {loss.getData().get(0).getData().size(),
                accuracy.getData().get(0).getData().size(), accuracy.getData().get(1).getData().size()});
        assertEquals(3, points[0], "a loss point per epoch (one step each)");
        assertEquals(4, points[1], "top-1 after epochs 0 (pruned) to 3");
        assertEquals(2, points[2], "the original's line");
        assertTrue(loss.isVisible() && accuracy.isVisible());

        Path out = dir.resolve("tuned");
        answers.add(out);
        robot.clickOn("#recoverExportButton");
        waitFor(() -> robot.lookup("#infoDialog").tryQuery().isPresent());
        assertTrue(((DialogPane) robot.lookup("#infoDialog").query()).getContentText().contains(out.toString()));
        LoadedModel exported = ModelLoader.load(out);
        assertArrayEquals(new int[] {96, 192, 192}, exported.config().mlpHiddenDims());
        assertEquals(window.viewModel().recover().resultProperty().get().result().model().fingerprint(),
                exported.fingerprint());
        assertEquals(plan, PruningPlan.read(out.resolve(Exporter.PLAN)));
        assertTrue(Files.isRegularFile(out.resolve(FinetuneExport.RECORD)));
    }
}
