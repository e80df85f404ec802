package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeoutException;
import javafx.scene.Node;
import javafx.scene.control.TableView;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.vbpstudio.app.main.StudioView;
import org.vbpstudio.app.neurons.NeuronsViewModel;

/** The Neurons tab's scatter from the keyboard, in the real window (headless Monocle). */
@Tag("slow") // drives a window: 5–10 s
class ScatterKeysRobotTest extends RobotWindowFixture {
    @Start
    void start(Stage stage) {
        openWindow(stage);
    }

    @Test
    void homeArrowsEndAndEnterMoveTheSelectedNeuronByVariance(FxRobot robot) throws TimeoutException {
        calibrate(robot);
        robot.clickOn("View").clickOn("Neurons");
        waitFor(() -> window.viewModel().viewProperty().get() == StudioView.NEURONS);
        waitFor(() -> !window.viewModel().neurons().neurons().isEmpty());
        double[] var = FixtureStudio.Reference.stats().variance(0);
        int lowest = 0;
        int second = -1;
        int highest = 0;
        for (int j = 1; j < var.length; j++) {
            lowest = var[j] < var[lowest] ? j : lowest;
            highest = var[j] > var[highest] ? j : highest;
        }
        for (int j = 0; j < var.length; j++) {
            if (j != lowest && (second < 0 || var[j] < var[second])) {
                second = j;
            }
        }
        Node scatter = robot.lookup("#neuronsScatter").query();
        robot.clickOn(scatter);
        assertTrue(onFxThread(scatter::isFocused), "a click focuses the scatter, not "
                + onFxThread(() -> scatter.getScene().getFocusOwner()));
        assertTrue(scatter.getPseudoClassStates().stream().anyMatch(p -> p.getPseudoClassName().equals("focused")),
                "its focus ring shows");
        assertTrue(String.valueOf(scatter.getAccessibleHelp()).contains("Home"), "the keys are said");

        robot.type(KeyCode.HOME);
        int low = lowest;
        waitFor(() -> selected().equals(List.of(low)));
        robot.type(KeyCode.RIGHT);
        int next = second;
        waitFor(() -> selected().equals(List.of(next)));
        assertTrue(scatter.isFocused(), "the arrow did not move the focus away");
        assertTrue(String.valueOf(scatter.getAccessibleText()).startsWith("Neuron " + next + ":"));
        robot.type(KeyCode.END);
        int top = highest;
        waitFor(() -> selected().equals(List.of(top)));
        robot.type(KeyCode.ENTER);
        TableView<?> table = robot.lookup("#neuronsTable").queryAs(TableView.class);
        waitFor(table::isFocused);
        assertEquals(top, ((NeuronsViewModel.Neuron) table.getSelectionModel().getSelectedItem()).index());
    }

    private List<Integer> selected() {
        return onFxThread(() -> List.copyOf(window.viewModel().neurons().selected()));
    }
}
