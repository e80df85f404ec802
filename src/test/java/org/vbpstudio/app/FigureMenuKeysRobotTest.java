package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeoutException;
import javafx.scene.Node;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;

/**
 * A chart's Save Figure menu from the keyboard in the real window (headless Monocle): a chart with
 * nothing focusable inside is a Tab stop, and Shift+F10 or the menu key opens its menu; a block's
 * card opens its own menu from its focused histogram.
 */
@Tag("slow") // drives a window: 5–10 s
class FigureMenuKeysRobotTest extends RobotWindowFixture {
    @Start
    void start(Stage stage) {
        openWindow(stage);
    }

    @Test
    void shiftF10AndTheMenuKeyOpenAFocusedChartsMenu(FxRobot robot) throws TimeoutException {
        calibrate(robot);
        robot.interact(() -> window.viewModel().compare().setRatios(0, 0.5)); // the chart shows once swept
        robot.clickOn("#compareButton");
        waitFor(() -> !window.viewModel().compare().runningProperty().get()
                && !window.viewModel().compare().points().isEmpty());
        Node chart = robot.lookup("#chart").query();
        assertTrue(chart.isFocusTraversable(), "the Compare chart is a Tab stop");
        assertFalse(robot.lookup("#compareSaveFigure").tryQuery().isPresent());
        robot.clickOn(chart); // the window takes the focus (a chart does not take it from a click)
        robot.interact(chart::requestFocus); // as Tab would give it
        waitFor(() -> onFxThread(chart::isFocused));
        robot.press(KeyCode.SHIFT, KeyCode.F10).release(KeyCode.F10, KeyCode.SHIFT);
        waitFor(() -> robot.lookup("#compareSaveFigure").tryQuery().isPresent());
        robot.type(KeyCode.ESCAPE);
        waitFor(() -> robot.lookup("#compareSaveFigure").tryQuery().isEmpty());

        Node histogram = robot.lookup("#blockHistogram1").query();
        assertFalse(robot.lookup("#block1").query().isFocusTraversable(), "the card is reached through its histogram");
        robot.interact(histogram::requestFocus);
        waitFor(() -> onFxThread(histogram::isFocused));
        robot.type(KeyCode.CONTEXT_MENU);
        waitFor(() -> robot.lookup("#blockSaveFigure1").tryQuery().isPresent());
        waitFor(() -> robot.lookup("#histogramsSaveFigure1").tryQuery().isPresent());
        robot.type(KeyCode.ESCAPE);
    }
}
