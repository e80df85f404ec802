package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeoutException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javafx.scene.canvas.Canvas;
import javafx.scene.control.Button;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleButton;
import javafx.scene.image.WritableImage;
import javafx.scene.input.KeyCode;
import javafx.scene.paint.Color;
import javafx.stage.Stage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.prune.PruningPlan;

/**
 * The Target box in the real window (headless Monocle): Apply moves the sliders to a model whose
 * MACs, as the Preview panel shows them, are what {@link CostModel} gives for the kept widths and
 * within the target; Compute sensitivity draws a curve on every block card; Allocate switches to
 * per-block ratios that meet the target.
 */
@Tag("slow") // drives a window: 5–10 s a case
class TargetRobotTest extends RobotWindowFixture {
    private static final Pattern MACS_SHOWN = Pattern.compile("^([\\d,]+)\n−([\\d.]+)% of ([\\d.]+) M$");

    @Start
    void start(Stage stage) {
        openWindow(stage);
    }

    @Test
    void applyingSeventyPercentOfTheMacsMovesEverySlider(FxRobot robot) throws TimeoutException {
        calibrate(robot);
        String before = text(robot, "#macsDetailLabel");
        typeTarget(robot, "70");
        robot.clickOn("#targetApply");
        waitFor(() -> !text(robot, "#macsDetailLabel").equals(before));
        long[] shown = macsShown(robot);
        assertEquals(expectedMacs(), shown[0], "MACs shown are the cost model's for the kept widths");
        assertTrue(shown[0] <= 0.70 * shown[1], shown[0] + " of " + shown[1]);
        assertTrue(shown[0] >= 0.60 * shown[1], "the largest model within the target, not any: " + shown[0]);
        String first = field(robot, 0);
        assertTrue(Double.parseDouble(first.replaceAll("[^\\d.]", "")) > 0, "the sliders moved: " + first);
        for (int b = 1; b < config().depth(); b++) {
            assertEquals(first, field(robot, b), "per block: one ratio in every block");
        }
        assertTrue(text(robot, "#targetMessage").startsWith("MACs "), text(robot, "#targetMessage"));
    }

    @Test
    void sensitivityDrawsEveryCardsCurveAndAllocationMeetsTheTarget(FxRobot robot) throws TimeoutException {
        calibrate(robot);
        Button allocate = robot.lookup("#targetAllocate").queryButton();
        assertTrue(allocate.isDisabled(), "nothing to allocate from before sensitivity");
        int depth = config().depth();
        for (int b = 0; b < depth; b++) {
            assertFalse(robot.lookup("#blockSensitivity" + b).query().isVisible(), "no curve yet on block " + b);
        }
        robot.clickOn("#sensitivityCompute");
        waitFor(() -> text(robot, "#targetMessage").startsWith("Sensitivity of every block"));
        assertFalse(allocate.isDisabled());
        for (int b = 0; b < depth; b++) {
            Canvas spark = robot.lookup("#blockSensitivity" + b).queryAs(Canvas.class);
            assertTrue(spark.isVisible() && spark.getLayoutBounds().getHeight() > 0, "curve shown on block " + b);
            assertTrue(strokedPixels(spark) > 20, "a curve is drawn on block " + b);
            double start = window.viewModel().pruning().blocks().get(b).sensitivityProperty().get().scores()[0];
            assertEquals(FixtureStudio.Reference.originalAccuracy().top1(), start, 1e-12, "curves start at the original");
        }

        robot.clickOn("#globalToggle");
        waitFor(() -> window.viewModel().pruning().plan().mode() == PruningPlan.Mode.GLOBAL);
        robot.clickOn("#targetKind").clickOn("MAC speed-up ×");
        typeTarget(robot, "1.5");
        robot.clickOn("#targetAllocate");
        waitFor(() -> robot.lookup("#perBlockToggle").queryAs(ToggleButton.class).isSelected());
        waitFor(() -> text(robot, "#targetMessage").startsWith("Allocated"));
        long[] shown = macsShown(robot);
        assertEquals(expectedMacs(), shown[0]);
        assertTrue(shown[0] <= shown[1] / 1.5, "at least 1.5× fewer MACs: " + shown[0] + " of " + shown[1]);
        assertTrue(text(robot, "#speedupLabel").length() > 0);
    }

    // ------------------------------------------------------------------------------ helpers

    private static void typeTarget(FxRobot robot, String value) {
        robot.clickOn("#targetValue").push(KeyCode.CONTROL, KeyCode.A).write(value);
    }

    private static String field(FxRobot robot, int block) {
        return robot.lookup("#blockField" + block).queryAs(TextField.class).getText();
    }

    private VitConfig config() {
        return (VitConfig) FixtureStudio.Reference.model().config();
    }

    /** What the cost model gives for the widths the current selection keeps. */
    private long expectedMacs() {
        int[] widths = onFxThread(() -> window.viewModel().pruning().selection().widths());
        return CostModel.totalMacs(config().withMlpHiddenDims(widths));
    }

    /**
     * The Preview panel's "N" over "−x% of M M": N exactly, checked to agree with x and M (M the
     * original's MACs by the cost model, in millions); returns N and the original's MACs.
     */
    private long[] macsShown(FxRobot robot) {
        String text = text(robot, "#macsDetailLabel");
        Matcher m = MACS_SHOWN.matcher(text);
        assertTrue(m.find(), text);
        long pruned = Long.parseLong(m.group(1).replace(",", ""));
        long original = CostModel.totalMacs(config());
        assertEquals(String.format(Locale.ROOT, "%.1f", 100.0 * (original - pruned) / original), m.group(2), text);
        assertEquals(String.format(Locale.ROOT, "%.2f", original / 1e6), m.group(3), text);
        return new long[] {pruned, original};
    }

    /** Pixels of the sparkline's blue line in a snapshot of the canvas. */
    private static int strokedPixels(Canvas canvas) {
        WritableImage image = onFxThread(() -> canvas.snapshot(null, null));
        Color line = Color.web("#1f77b4");
        int n = 0;
        for (int y = 0; y < (int) image.getHeight(); y++) {
            for (int x = 0; x < (int) image.getWidth(); x++) {
                Color c = image.getPixelReader().getColor(x, y);
                if (Math.abs(c.getRed() - line.getRed()) + Math.abs(c.getGreen() - line.getGreen())
                        + Math.abs(c.getBlue() - line.getBlue()) < 0.25) {
                    n++;
                }
            }
        }
        return n;
    }
}
