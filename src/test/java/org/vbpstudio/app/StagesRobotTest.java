package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Slider;
import javafx.scene.input.MouseButton;
import javafx.scene.text.Text;
import javafx.stage.Stage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.vbpstudio.app.prune.BlockViewModel;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.prune.PruningPlan;

/**
 * Multi-stage models in the real window (headless Monocle): a stage header per stage, its slider
 * dragged moves exactly the stage's blocks and the MACs shown are {@link CostModel}'s for the widths
 * kept; ConvNeXt-B's 36 blocks scroll, collapse by stage, and no title is cut short at the default or
 * the smallest window size.
 */
@Tag("slow") // drives a window: 5–10 s a case
class StagesRobotTest extends RobotWindowFixture {
    @Start
    void start(Stage stage) {
        showWindow(stage);
    }

    @Test
    void draggingASwinStageSliderMovesItsBlocksAndTheMacs(FxRobot robot, @TempDir Path dir) throws TimeoutException {
        ModelConfig cfg = open(robot, StagedModels.swin(), dir);
        assertEquals("Stage 1 · 4×4 · 16", text(robot, "#stageTitle1"));
        assertEquals("Stage 1 · block 2", robot.lookup("#block4").lookup(".block-title").queryAs(Label.class).getText());
        String before = text(robot, "#macsDetailLabel");

        dragStage(robot, 1);
        double[] r = ratios();
        assertTrue(r[2] > 0.1, Arrays.toString(r));
        assertArrayEquals(new double[] {0, 0, r[2], r[2], r[2], 0, 0}, r, "exactly stage 1's blocks");
        assertEquals(PruningPlan.perBlock(r), window.viewModel().pruning().plan());
        assertMacsShown(robot, cfg, before);
    }

    @Test
    void convNextBsThirtySixBlocksScrollCollapseAndFitAtEverySize(FxRobot robot, @TempDir Path dir)
            throws TimeoutException {
        ModelConfig cfg = open(robot, StagedModels.convNextDeep(), dir);
        assertEquals(36, cfg.depth());
        for (int s = 0; s < 4; s++) {
            assertTrue(robot.lookup("#stage" + s).query().isVisible());
        }
        assertEquals("Stage 2 · block 26", robot.lookup("#block32").lookup(".block-title").queryAs(Label.class).getText());
        assertEverythingReadable(robot, cfg);
        robot.interact(() -> {
            window.stage().setWidth(window.stage().getMinWidth());
            window.stage().setHeight(window.stage().getMinHeight());
        });
        waitFor(() -> window.stage().getWidth() == window.stage().getMinWidth());
        assertEverythingReadable(robot, cfg);

        String before = text(robot, "#macsDetailLabel");
        dragStage(robot, 2);
        double[] r = ratios();
        assertTrue(r[6] > 0.1, Arrays.toString(r));
        for (int b = 0; b < 36; b++) {
            assertEquals(b >= 6 && b < 33 ? r[6] : 0, r[b], "block " + b);
        }
        assertMacsShown(robot, cfg, before);

        Node lastOfStage2 = robot.lookup("#block32").query();
        robot.clickOn("#stageToggle2");
        waitFor(() -> !lastOfStage2.isVisible() || !robot.lookup("#stageBlocks2").query().isVisible());
        assertFalse(robot.lookup("#stageBlocks2").query().isManaged(), "collapsed: takes no room");
        assertTrue(robot.lookup("#stageBlocks3").query().isVisible());
        robot.clickOn("#stageToggle2");
        waitFor(() -> robot.lookup("#stageBlocks2").query().isVisible());
    }

    // ------------------------------------------------------------------------------ helpers

    /** Opens a random model of {@code cfg} written to {@code dir}, as File › Open Model does. */
    private ModelConfig open(FxRobot robot, ModelConfig cfg, Path dir) throws TimeoutException {
        Path model = StagedModels.write(cfg, dir.resolve(cfg.architecture()), 3);
        robot.interact(() -> window.viewModel().openModel(model, null, null));
        waitFor(() -> window.viewModel().workspace().session() != null
                && robot.lookup("#stageSlider0").tryQuery().isPresent());
        assertEquals(cfg, window.viewModel().workspace().session().model().config());
        return cfg;
    }

    /** Drags the stage's slider 60 px right, scrolled into view first. */
    private static void dragStage(FxRobot robot, int stage) {
        ScrollPane scroll = robot.lookup("#blocksScroll").queryAs(ScrollPane.class);
        Node section = robot.lookup("#stage" + stage).query();
        robot.interact(() -> {
            double content = scroll.getContent().getLayoutBounds().getHeight();
            double viewport = scroll.getViewportBounds().getHeight();
            double y = section.getBoundsInParent().getMinY();
            scroll.setVvalue(content <= viewport ? 0 : Math.min(1, y / (content - viewport)) * scroll.getVmax());
        });
        Node thumb = robot.lookup("#stageSlider" + stage).lookup(".thumb").query();
        robot.drag(thumb, MouseButton.PRIMARY).moveBy(60, 0).release(MouseButton.PRIMARY);
    }

    private double[] ratios() {
        return onFxThread(() -> window.viewModel().pruning().blocks().stream().mapToDouble(BlockViewModel::ratio)
                .toArray());
    }

    /** The Preview panel's MACs: the cost model's for the widths the plan keeps, changed from before. */
    private void assertMacsShown(FxRobot robot, ModelConfig cfg, String before) throws TimeoutException {
        int[] widths = onFxThread(() -> window.viewModel().pruning().selection().widths());
        String expected = String.format(Locale.ROOT, "%,d\n−", CostModel.totalMacs(cfg.withMlpHiddenDims(widths)));
        waitFor(() -> text(robot, "#macsDetailLabel").startsWith(expected));
        assertFalse(text(robot, "#macsDetailLabel").equals(before));
    }

    /**
     * Every stage header and card title shows its whole text (no ellipsis), every stage slider has
     * room to move, and the last block's card can be scrolled into view.
     */
    private void assertEverythingReadable(FxRobot robot, ModelConfig cfg) throws TimeoutException {
        waitFor(() -> onFxThread(() -> {
            window.stage().getScene().getRoot().layout();
            return true;
        }));
        for (int s = 0; s < cfg.stages().size(); s++) {
            assertWhole(robot, "#stageTitle" + s);
            assertWhole(robot, "#stageKept" + s);
            double width = robot.lookup("#stageSlider" + s).queryAs(Slider.class).getWidth();
            assertTrue(width >= 60, "stage " + s + " slider " + width + " px");
        }
        for (int b = 0; b < cfg.depth(); b++) {
            Label title = robot.lookup("#block" + b).lookup(".block-title").queryAs(Label.class);
            assertWhole(title);
            assertWhole(robot, "#blockKept" + b);
        }
        ScrollPane scroll = robot.lookup("#blocksScroll").queryAs(ScrollPane.class);
        robot.interact(() -> scroll.setVvalue(scroll.getVmax()));
        Node last = robot.lookup("#block" + (cfg.depth() - 1)).query();
        Bounds card = onFxThread(() -> last.localToScene(last.getLayoutBounds()));
        Bounds view = onFxThread(() -> scroll.localToScene(scroll.getLayoutBounds()));
        assertTrue(card.getMaxY() <= view.getMaxY() + 1 && card.getMinY() >= view.getMinY() - 1,
                "the last card scrolls into view: " + card + " in " + view);
        assertTrue(card.getMaxX() <= view.getMaxX() + 1, "no card is cut at the right: " + card + " in " + view);
    }

    private static void assertWhole(FxRobot robot, String id) {
        assertWhole(robot.lookup(id).queryAs(Label.class));
    }

    /** The text a label draws is its whole text (JavaFX draws "…" when it does not fit). */
    private static void assertWhole(Label label) {
        String shown = onFxThread(() -> ((Text) label.lookup(".text")).getText());
        assertEquals(label.getText(), shown, label.getId());
    }
}
