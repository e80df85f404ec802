package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeoutException;
import javafx.scene.control.Labeled;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;

/**
 * View ▸ Zoom reaches what opens in its own window (headless Monocle): a dialog, the menu
 * bar's menus and a choice box's list have 1.5 × the text size at 150 % that they have at 100 %.
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

        robot.clickOn("#macsLabel");
        for (int i = 0; i < 4; i++) {
            robot.push(KeyCode.CONTROL, KeyCode.EQUALS);
        }
        waitFor(() -> Math.abs(window.viewModel().zoomProperty().get() - 1.5) < 1e-9);
        assertEquals(1.5 * dialog, dialogTextSize(robot), 1e-6, "the dialog's text");
        assertEquals(1.5 * menu, menuTextSize(robot), 1e-6, "the menu's items");
        assertEquals(1.5 * list, choiceListTextSize(robot), 1e-6, "the choice box's list");
    }

    /** Opens an information dialog, reads its message's font size, closes it. */
    private double dialogTextSize(FxRobot robot) throws TimeoutException {
        robot.interact(() -> window.dialogs().showInfo("Zoom", "A message"));
        waitFor(() -> robot.lookup("#infoDialog .content").tryQuery().isPresent());
        double size = robot.lookup("#infoDialog .content").queryAs(Labeled.class).getFont().getSize();
        robot.interact(() -> robot.lookup("#infoDialog").query().getScene().getWindow().hide());
        return size;
    }

    /** Opens the View menu (a context menu in a popup window) and reads its first item's font size. */
    private double menuTextSize(FxRobot robot) throws TimeoutException {
        robot.clickOn("View");
        waitFor(() -> robot.lookup(".context-menu .menu-item .label").tryQuery().isPresent());
        double size = robot.lookup(".context-menu .menu-item .label").queryAs(Labeled.class).getFont().getSize();
        closePopups(robot);
        return size;
    }

    /** Opens the Target kind's list and reads its first cell's font size. */
    private double choiceListTextSize(FxRobot robot) throws TimeoutException {
        robot.clickOn("#targetKind");
        waitFor(() -> robot.lookup(".combo-box-popup .list-cell").tryQuery().isPresent());
        double size = robot.lookup(".combo-box-popup .list-cell").queryAs(Labeled.class).getFont().getSize();
        closePopups(robot);
        return size;
    }

    private static void closePopups(FxRobot robot) throws TimeoutException {
        robot.type(KeyCode.ESCAPE);
        waitFor(() -> onFxThread(() -> Window.getWindows().size() == 1));
    }
}
