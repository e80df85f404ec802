package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import javafx.scene.Node;
import javafx.scene.control.Labeled;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;

/**
 * View ▸ Zoom reaches what opens in its own window (headless Monocle): a dialog, the menu bar's
 * menus, a choice box's list and a tooltip have 1.5 × the text size at 150 % that they have at
 * 100 % (without {@code main/PopupZoom} only the dialog does not).
 */
@Tag("slow") // drives a window: 5–10 s a case
class PopupZoomRobotTest extends RobotWindowFixture {
    @Start
    void start(Stage stage) {
        openWindow(stage);
    }

    @Test
    void dialogsMenusAndListsFollowTheZoom(FxRobot robot) throws TimeoutException {
        waitFor(() -> window.viewModel().workspace().session() != null);
        double dialog = dialogTextSize(robot);
        double menu = menuTextSize(robot);
        double list = choiceListTextSize(robot);
        double tip = tooltipTextSize(robot);

        robot.clickOn("#macsLabel");
        for (int i = 0; i < 4; i++) {
            robot.push(KeyCode.CONTROL, KeyCode.EQUALS);
        }
        waitFor(() -> Math.abs(window.viewModel().zoomProperty().get() - 1.5) < 1e-9);
        double[] zoomed = {dialogTextSize(robot), menuTextSize(robot), choiceListTextSize(robot), tooltipTextSize(robot)};
        assertAll(() -> assertEquals(1.5 * dialog, zoomed[0], 1e-6, "the dialog's text"),
                () -> assertEquals(1.5 * menu, zoomed[1], 1e-6, "the menu's items"),
                () -> assertEquals(1.5 * list, zoomed[2], 1e-6, "the choice box's list"),
                () -> assertEquals(1.5 * tip, zoomed[3], 1e-6, "a tooltip"));
    }

    /** Opens an information dialog, reads its message's font size, closes it. */
    private double dialogTextSize(FxRobot robot) throws TimeoutException {
        robot.interact(() -> window.dialogs().showInfo("Zoom", "A message"));
        waitFor(() -> robot.lookup("#infoDialog .content").tryQuery().isPresent());
        double size = styledTextSize(robot.lookup("#infoDialog .content").queryAs(Labeled.class));
        robot.interact(() -> robot.lookup("#infoDialog").query().getScene().getWindow().hide());
        return size;
    }

    /** Opens the View menu (a context menu in a popup window) and reads its first item's font size. */
    private double menuTextSize(FxRobot robot) throws TimeoutException {
        robot.clickOn("View");
        waitFor(() -> robot.lookup(".context-menu .menu-item .label").tryQuery().isPresent());
        double size = styledTextSize(robot.lookup(".context-menu .menu-item .label").queryAs(Labeled.class));
        closePopups(robot);
        return size;
    }

    /** Opens the Target kind's list and reads its first cell's font size. */
    private double choiceListTextSize(FxRobot robot) throws TimeoutException {
        robot.clickOn("#targetKind");
        waitFor(() -> robot.lookup(".combo-box-popup .list-cell").tryQuery().isPresent());
        double size = styledTextSize(robot.lookup(".combo-box-popup .list-cell").queryAs(Labeled.class));
        closePopups(robot);
        return size;
    }

    /** Rests the mouse on block 0's histogram until its tooltip shows, reads its font size, moves away. */
    private double tooltipTextSize(FxRobot robot) throws TimeoutException {
        // the mouse may cross other nodes on its way, whose tooltips (in other text sizes) may show too
        Predicate<Node> histogramTip = n -> n instanceof Labeled l && l.getText().startsWith("Neurons of block 0");
        robot.moveTo("#blockHistogram0");
        waitFor(() -> robot.lookup(".tooltip").match(histogramTip).tryQuery().isPresent());
        double size = styledTextSize(robot.lookup(".tooltip").match(histogramTip).queryAs(Labeled.class));
        robot.moveTo("#macsLabel");
        waitFor(() -> onFxThread(() -> Window.getWindows().size() == 1));
        return size;
    }

    /**
     * {@code text}'s font size once its window's CSS has been applied: a popup is in the scene graph
     * (and found by a lookup) a pulse before its style is, when its font is still the default.
     */
    private static double styledTextSize(Labeled text) {
        return onFxThread(() -> {
            text.getScene().getRoot().applyCss();
            return text.getFont().getSize();
        });
    }

    private static void closePopups(FxRobot robot) throws TimeoutException {
        robot.type(KeyCode.ESCAPE);
        waitFor(() -> onFxThread(() -> Window.getWindows().size() == 1));
    }
}
