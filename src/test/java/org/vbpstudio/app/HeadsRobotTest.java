package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.concurrent.TimeoutException;
import javafx.geometry.Point2D;
import javafx.stage.Stage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.vbpstudio.app.prune.HeadBarsView;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.VitConfig;

/**
 * A block's head bars in the real window (headless Monocle): clicking a bar removes that head, the
 * card says so and the Preview panel's MACs drop by what one head costs (counted here from the
 * fixture ViT's shapes: T = 17 tokens, D = 48, d_h = 12); clicking again restores it.
 */
@Tag("slow") // drives a window
class HeadsRobotTest extends RobotWindowFixture {
    private static final long MACS_PER_HEAD = 3 * 17 * 48 * 12 + 2 * 17 * 17 * 12 + 17 * 12 * 48;

    @Start
    void start(Stage stage) {
        openWindow(stage);
    }

    @Test
    void clickingAHeadBarRemovesTheHeadAndItsMacs(FxRobot robot) throws TimeoutException {
        calibrate(robot);
        waitFor(() -> robot.lookup("#blockHeads1").queryAs(HeadBarsView.class).scoresProperty().get() != null);
        assertEquals("heads 4 / 4", text(robot, "#blockHeadsKept1"));
        long original = CostModel.totalMacs(FixtureStudio.Reference.model().config());
        assertEquals(count(original), firstLine(text(robot, "#macsDetailLabel")));

        clickHead(robot, 1, 2);
        waitFor(() -> text(robot, "#blockHeadsKept1").equals("heads 3 / 4"));
        waitFor(() -> firstLine(text(robot, "#macsDetailLabel")).equals(count(original - MACS_PER_HEAD)));
        int[][] removed = onFxThread(() -> window.viewModel().pruning().selection().removedHeads());
        assertEquals(2, removed[1][0]);
        VitConfig cfg = (VitConfig) FixtureStudio.Reference.model().config();
        assertEquals(CostModel.totalMacs(cfg.withBlockHeads(new int[] {4, 3, 4})), original - MACS_PER_HEAD);

        clickHead(robot, 1, 2);
        waitFor(() -> text(robot, "#blockHeadsKept1").equals("heads 4 / 4"));
        waitFor(() -> firstLine(text(robot, "#macsDetailLabel")).equals(count(original)));
        assertTrue(onFxThread(() -> window.viewModel().pruning().selection().removedHeads()) == null);
    }

    private static void clickHead(FxRobot robot, int block, int head) {
        HeadBarsView bars = robot.lookup("#blockHeads" + block).queryAs(HeadBarsView.class);
        Point2D p = onFxThread(() -> bars.localToScreen(bars.centreOf(head), bars.getHeight() / 2));
        robot.clickOn(p);
    }

    private static String firstLine(String s) {
        return s.split("\n")[0];
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
