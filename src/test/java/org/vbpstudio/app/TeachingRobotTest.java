package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeoutException;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableView;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.vbpstudio.app.main.StudioView;
import org.vbpstudio.app.session.Session;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.testutil.Fixture;

/**
 * The teaching views in the real window (headless Monocle), found by id: changed predictions,
 * the neuron inspector, undo/redo, sessions and zoom.
 */
@Tag("slow") // drives a window: 5–7 s a case
class TeachingRobotTest extends RobotWindowFixture {
    @Start
    void start(Stage stage) {
        openWindow(stage);
    }

    @Test
    void thePreviewCountsTheChangedPredictionsAndOpensThem(FxRobot robot) throws TimeoutException {
        calibrate(robot);
        robot.interact(() -> window.viewModel().pruning().compensationProperty().set(Compensation.NONE));
        robot.doubleClickOn("#globalField").write("90").type(KeyCode.ENTER);
        PruningPlan plan = PruningPlan.perBlock(0.9, 0.9, 0.9).withCompensation(Compensation.NONE);
        waitFor(() -> window.viewModel().pruning().plan().equals(plan));
        int k = FixtureStudio.Reference.model().config().numClasses();
        float[] before = FixtureStudio.Reference.logits(MlpHook.NONE);
        float[] after = FixtureStudio.Reference.logits(plan);
        int changed = 0;
        for (int i = 0; i < 30; i++) {
            changed += Accuracy.argmax(before, i * k, k) != Accuracy.argmax(after, i * k, k) ? 1 : 0;
        }
        assertTrue(changed > 0);
        waitFor(() -> text(robot, "#changesLabel").contains("newly wrong")
                && window.viewModel().preview().predictionsProperty().get() != null
                && window.viewModel().pruning().plan().equals(plan) && !window.viewModel().preview().accuracyStaleProperty().get());

        robot.clickOn("#showChangesButton");
        waitFor(() -> selectedTab(robot).getId().equals("flipsTab"));
        ListView<?> list = robot.lookup("#flipsList").queryAs(ListView.class);
        int expected = changed;
        waitFor(() -> list.getItems().size() == expected);
        Node second = robot.lookup("#flipsList").lookup(".list-cell").nth(Math.min(1, expected - 1)).query();
        robot.clickOn(second);
        waitFor(() -> ((VBox) robot.lookup("#top5BeforeBox").query()).getChildren().size() == 5);
        assertEquals(5, ((VBox) robot.lookup("#top5AfterBox").query()).getChildren().size());
        assertEquals(list.getSelectionModel().getSelectedItem(), window.viewModel().flips().selectedProperty().get());
    }

    @Test
    void clickingAHistogramOpensItsNeurons(FxRobot robot) throws TimeoutException {
        calibrate(robot);
        robot.doubleClickOn("#blockField1").write("50").type(KeyCode.ENTER);
        waitFor(() -> window.viewModel().pruning().plan().equals(PruningPlan.perBlock(0, 0.5, 0)));
        robot.clickOn("#blockHistogram1");
        waitFor(() -> selectedTab(robot).getId().equals("neuronsTab"));
        assertEquals(1, window.viewModel().neurons().blockProperty().get());
        TableView<?> table = robot.lookup("#neuronsTable").queryAs(TableView.class);
        assertEquals(192, table.getItems().size());
        assertTrue(text(robot, "#howVbpLabel").contains("|R| = 96 of 192"), text(robot, "#howVbpLabel"));
        assertEquals(window.viewModel().neurons().selected().size(), table.getSelectionModel().getSelectedItems().size());
        robot.clickOn(".table-view .column-header .label"); // sortable: by index, then the other way
        robot.clickOn(".table-view .column-header .label");
        waitFor(() -> table.getItems().size() == 192 && !table.getSortOrder().isEmpty());
    }

    @Test
    void aDragIsOneUndoStepAndRedoBringsItBack(FxRobot robot) throws TimeoutException {
        calibrate(robot);
        Node thumb = robot.lookup("#blockSlider2").lookup(".thumb").query();
        robot.drag(thumb, MouseButton.PRIMARY).moveBy(30, 0).moveBy(30, 0).moveBy(20, 0).release(MouseButton.PRIMARY);
        waitFor(() -> window.viewModel().pruning().blocks().get(2).ratio() > 0.1);
        PruningPlan dragged = window.viewModel().pruning().plan();
        robot.push(KeyCode.CONTROL, KeyCode.Z);
        waitFor(() -> window.viewModel().pruning().plan().equals(PruningPlan.perBlock(0, 0, 0)));
        assertFalse(window.viewModel().undo().canUndoProperty().get(), "the whole drag was one step");
        robot.push(KeyCode.CONTROL, KeyCode.Y);
        waitFor(() -> window.viewModel().pruning().plan().equals(dragged));
        robot.push(KeyCode.CONTROL, KeyCode.Z);
        robot.push(KeyCode.CONTROL, KeyCode.SHIFT, KeyCode.Z);
        waitFor(() -> window.viewModel().pruning().plan().equals(dragged));
    }

    @Test
    void saveSessionThenOpenItFromTheRecentList(FxRobot robot, @TempDir Path dir) throws TimeoutException {
        calibrate(robot);
        robot.doubleClickOn("#blockField0").write("30").type(KeyCode.ENTER);
        PruningPlan plan = PruningPlan.perBlock(0.3, 0, 0);
        waitFor(() -> window.viewModel().pruning().plan().equals(plan));
        Path file = dir.resolve("S.vbps");
        answers.add(file);
        robot.push(KeyCode.CONTROL, KeyCode.S);
        waitFor(() -> Files.isRegularFile(file) && Files.isRegularFile(Session.statisticsBeside(file)));
        robot.doubleClickOn("#blockField0").write("60").type(KeyCode.ENTER);
        waitFor(() -> !window.viewModel().pruning().plan().equals(plan));

        robot.clickOn("File").clickOn("Open Recent");
        robot.clickOn(robot.lookup(n -> n instanceof Label l && l.getText() != null
                && l.getText().startsWith("S.vbps — ")).queryAs(Node.class));
        waitFor(() -> window.viewModel().pruning().plan().equals(plan) && window.viewModel().workspace().stats() != null);
    }

    @Test
    void zoomScalesTheWholeWindowAndTheViewMenuSwitchesViews(FxRobot robot) throws TimeoutException {
        waitFor(() -> window.viewModel().workspace().session() != null);
        Label title = robot.lookup(".card-title").queryAs(Label.class);
        double size = title.getFont().getSize();
        robot.clickOn("#macsLabel").push(KeyCode.CONTROL, KeyCode.EQUALS);
        waitFor(() -> window.viewModel().zoomProperty().get() > 1);
        waitFor(() -> title.getFont().getSize() > size * 1.1);
        robot.push(KeyCode.CONTROL, KeyCode.DIGIT0);
        waitFor(() -> Math.abs(title.getFont().getSize() - size) < 1e-6);
        robot.push(KeyCode.CONTROL, KeyCode.MINUS);
        waitFor(() -> title.getFont().getSize() < size);
        robot.clickOn("View").clickOn("Neurons");
        waitFor(() -> window.viewModel().viewProperty().get() == StudioView.NEURONS);
    }

    @Test
    void theKeyboardReachesAHistogramAndEnterOpensItsNeurons(FxRobot robot) throws TimeoutException {
        calibrate(robot);
        robot.clickOn("#blockField0");
        Node histogram = robot.lookup("#blockHistogram0").query();
        for (int i = 0; i < 60 && histogram.getScene().getFocusOwner() != histogram; i++) {
            robot.type(KeyCode.TAB);
        }
        assertTrue(histogram.isFocused(), "Tab reaches the histogram");
        assertTrue(histogram.getPseudoClassStates().stream().anyMatch(p -> p.getPseudoClassName().equals("focused")));
        robot.type(KeyCode.ENTER);
        waitFor(() -> window.viewModel().viewProperty().get() == StudioView.NEURONS);
        assertEquals(0, window.viewModel().neurons().blockProperty().get());
    }

    @Test
    void saveSessionWhenReadyCalibratesThenSaves(FxRobot robot, @TempDir Path dir) throws Exception {
        waitFor(() -> window.viewModel().workspace().session() != null);
        Path plan = Files.writeString(dir.resolve("p.json"), PruningPlan.global(0.4).toJsonString());
        Path file = dir.resolve("ready.vbps");
        GuiOptions options = new GuiOptions(Fixture.TIMM, Fixture.IMAGES, Fixture.IMAGES, null)
                .with(null, file, plan, "neurons");
        robot.interact(() -> window.saveSessionWhenReady(options));
        waitFor(() -> Files.isRegularFile(file));
        Session saved = Session.read(file);
        assertEquals(PruningPlan.global(0.4), saved.plan());
        assertEquals("neurons", saved.view());
        assertTrue(Files.isRegularFile(Session.statisticsBeside(file)), "calibrated first, so it reopens without");
        assertEquals(StudioView.NEURONS, window.viewModel().viewProperty().get());
    }

    // ------------------------------------------------------------------------------ helpers

    private static Tab selectedTab(FxRobot robot) {
        return robot.lookup("#centerTabs").queryAs(TabPane.class).getSelectionModel().getSelectedItem();
    }
}
