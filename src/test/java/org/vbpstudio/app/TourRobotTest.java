package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.stage.Stage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.vbpstudio.app.tour.TourView;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.Selection;
import org.vbpstudio.stats.ActivationStats;

/**
 * Help ▸ Guided Tour in the real window (headless Monocle) on the sample model, with 250
 * calibration and 250 validation images: the robot does what each step asks, and each step's
 * highlighted control and callout text are checked against numbers computed here.
 */
@Tag("slow") // drives a window and the sample model: 10–20 s a case
class TourRobotTest extends RobotWindowFixture {
    private static final int IMAGES = 250;

    @Start
    void start(Stage stage) {
        showWindow(stage); // no model: the tour's first step opens the sample
    }

    @Test
    void theTourRunsStartToEndOnTheSampleModel(FxRobot robot) throws TimeoutException {
        startTour(robot);
        waitForStep(robot, "modelTitle");
        assertTrue(callout(robot).contains("Open the sample to follow along"), callout(robot));
        robot.clickOn("#tourActionButton");

        waitForStep(robot, "calibrateButton");
        robot.interact(() -> window.viewModel().calibration().limitProperty().set(IMAGES));
        waitFor(() -> callout(robot).contains("Click Calibrate: it runs on 250 images."));
        robot.clickOn("#calibrateButton");

        waitFor(() -> onFxThread(() -> window.viewModel().workspace().stats()) != null);
        ActivationStats stats = onFxThread(() -> window.viewModel().workspace().stats());
        int block = mostLowVarianceBlock(stats);
        waitForStep(robot, "blockHistogram" + block);
        // 28-pixel images in 7-pixel patches: 16 patch tokens and the class token
        assertTrue(callout(robot).startsWith("Calibration saw 250 images: 4,250 tokens reached block " + block),
                callout(robot));
        robot.clickOn("#tourNextButton");

        waitForStep(robot, "blockSlider" + block);
        long original = CostModel.totalMacs(onFxThread(() -> window.viewModel().pruning().model().config()));
        assertTrue(callout(robot).contains(String.format(Locale.ROOT,
                "The model needs %,d MACs an image, +0.0%% against the original's %,d.", original, original)),
                callout(robot));
        Node thumb = robot.lookup("#blockSlider" + block).lookup(".thumb").query();
        // to the slider's end (95 %), so that some of the 250 predictions change
        robot.drag(thumb, MouseButton.PRIMARY).moveBy(80, 0).moveBy(80, 0).moveBy(80, 0).release(MouseButton.PRIMARY);

        waitForStep(robot, "compensationChoice");
        PruningPlan plan = onFxThread(() -> window.viewModel().pruning().plan());
        LoadedModel model = onFxThread(() -> window.viewModel().pruning().model());
        int[][] kept = Selection.kept(plan, Pruner.scores(model, stats, plan));
        int[] widths = Arrays.stream(kept).mapToInt(k -> k.length).toArray();
        assertTrue(widths[block] < 384, Arrays.toString(widths));
        assertTrue(callout(robot).startsWith("Your cut keeps " + String.format(Locale.ROOT, "%,d",
                Arrays.stream(widths).sum()) + " of 2,304 MLP neurons."), callout(robot));
        robot.clickOn("#tourBackButton"); // the cut step quotes the new MACs
        waitForStep(robot, "blockSlider" + block);
        long macs = CostModel.totalMacs(((VitConfig) model.config()).withMlpHiddenDims(widths));
        assertTrue(callout(robot).contains(String.format(Locale.ROOT, "needs %,d MACs an image, −", macs)), callout(robot));
        robot.clickOn("#tourNextButton");

        waitForStep(robot, "compensationChoice");
        waitFor(() -> exactAccuracy(robot) && callout(robot).contains("with compensation " + text(robot, "#accuracyLabel")));
        String withMean = text(robot, "#accuracyLabel");
        chooseCompensation(robot, "None");
        waitFor(() -> exactAccuracy(robot) && !text(robot, "#accuracyLabel").equals(withMean)
                || callout(robot).contains("without " + withMean));
        waitFor(() -> exactAccuracy(robot) && callout(robot).contains("without " + text(robot, "#accuracyLabel")));
        String without = text(robot, "#accuracyLabel");
        assertTrue(callout(robot).contains("with compensation " + withMean + ", without " + without + "."), callout(robot));
        chooseCompensation(robot, "Mean");

        waitForStep(robot, "previewPanel");
        waitFor(() -> exactAccuracy(robot) && callout(robot).contains(": " + text(robot, "#accuracyLabel") + " (")
                && callout(robot).contains("Changed predictions: " + text(robot, "#changesLabel") + "."));
        assertEquals(withMean, text(robot, "#accuracyLabel"));
        robot.clickOn("#showChangesButton");

        waitForStep(robot, "flipsList");
        waitFor(() -> callout(robot).startsWith(text(robot, "#flipsSummaryLabel") + ". The first, "));
        var first = onFxThread(() -> window.viewModel().flips().flips().get(0));
        assertTrue(callout(robot).contains(first.name() + " (a " + first.labelName() + ", " + first.kindText() + "): "
                + first.changeText() + "."), callout(robot));
        assertEquals("Finish", robot.lookup("#tourNextButton").queryButton().getText());
        robot.clickOn("#tourNextButton");
        waitFor(() -> !tourShown(robot));
        assertFalse(onFxThread(() -> window.viewModel().tour().runningProperty().get()));
    }

    @Test
    void escLeavesTheTourMidwayAndTheHighlightGoes(FxRobot robot) throws TimeoutException {
        startTour(robot);
        waitForStep(robot, "modelTitle");
        robot.clickOn("#tourActionButton");
        waitForStep(robot, "calibrateButton");
        robot.type(KeyCode.ESCAPE);
        waitFor(() -> !tourShown(robot));
        assertFalse(onFxThread(() -> window.viewModel().tour().runningProperty().get()));
        assertTrue(robot.lookup("#calibrateButton").query().getStyleClass().stream().noneMatch(TourView.TARGET::equals));
    }

    @Test
    void theCalloutsTextFollowsTheZoom(FxRobot robot) throws TimeoutException {
        startTour(robot);
        waitForStep(robot, "modelTitle");
        double size = calloutTextSize(robot);
        robot.clickOn("#modelTitle");
        for (int i = 0; i < 4; i++) {
            robot.push(KeyCode.CONTROL, KeyCode.EQUALS);
        }
        waitFor(() -> Math.abs(window.viewModel().zoomProperty().get() - 1.5) < 1e-9);
        waitFor(() -> Math.abs(calloutTextSize(robot) - 1.5 * size) < 1e-6);
        assertTrue(tourShown(robot));
    }

    // ------------------------------------------------------------------------------ helpers

    private void startTour(FxRobot robot) {
        robot.interact(() -> window.viewModel().preview().sliceSizeProperty().set(IMAGES));
        MenuBar bar = robot.lookup("#menuBar").queryAs(MenuBar.class);
        MenuItem item = bar.getMenus().stream().filter(m -> m.getText().equals("_Help"))
                .flatMap(m -> m.getItems().stream()).filter(i -> "guidedTourItem".equals(i.getId()))
                .findFirst().orElseThrow();
        assertEquals("Guided Tour", item.getText());
        robot.interact(item::fire);
    }

    /** Waits until the callout shows and the one highlighted node is {@code id}. */
    private void waitForStep(FxRobot robot, String id) throws TimeoutException {
        try {
            waitFor(() -> tourShown(robot) && highlighted(robot).equals(Set.of(id)));
        } catch (TimeoutException e) {
            throw new AssertionError("waiting for " + id + ": highlighted " + highlighted(robot) + ", plan "
                    + onFxThread(() -> window.viewModel().pruning().plan()) + ", callout: " + callout(robot), e);
        }
    }

    private static Set<String> highlighted(FxRobot robot) {
        return onFxThread(() -> robot.lookup("." + TourView.TARGET).queryAll().stream().map(Node::getId)
                .collect(Collectors.toSet()));
    }

    private static boolean tourShown(FxRobot robot) {
        return onFxThread(() -> robot.lookup("#tourCallout").tryQuery().isPresent()
                || !robot.lookup("." + TourView.TARGET).queryAll().isEmpty());
    }

    private static String callout(FxRobot robot) {
        return onFxThread(() -> robot.lookup("#tourTextLabel").queryAs(Label.class).getText());
    }

    private boolean exactAccuracy(FxRobot robot) {
        return onFxThread(() -> !window.viewModel().preview().accuracyStaleProperty().get());
    }

    private static void chooseCompensation(FxRobot robot, String name) throws TimeoutException {
        robot.clickOn("#compensationChoice");
        waitFor(() -> robot.lookup(".combo-box-popup .list-cell").tryQuery().isPresent());
        robot.clickOn(robot.lookup(".combo-box-popup .list-cell")
                .match(n -> n instanceof ListCell<?> c && name.equals(c.getText())).queryAs(Node.class));
    }

    /** The callout text's font size once its window's CSS has been applied. */
    private static double calloutTextSize(FxRobot robot) {
        return onFxThread(() -> {
            Label text = robot.lookup("#tourTextLabel").queryAs(Label.class);
            text.getScene().getRoot().applyCss();
            return text.getFont().getSize();
        });
    }

    /** The block with the most neurons under the model's lowest tenth of variances (all blocks pooled). */
    private static int mostLowVarianceBlock(ActivationStats stats) {
        double[] pooled = java.util.stream.IntStream.range(0, stats.depth())
                .mapToObj(stats::variance).flatMapToDouble(Arrays::stream).sorted().toArray();
        double threshold = pooled[pooled.length / 10];
        int best = 0;
        long bestCount = -1;
        for (int b = 0; b < stats.depth(); b++) {
            long n = Arrays.stream(stats.variance(b)).filter(x -> x < threshold).count();
            if (n > bestCount) {
                best = b;
                bestCount = n;
            }
        }
        return best;
    }
}
