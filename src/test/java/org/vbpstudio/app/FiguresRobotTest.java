package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javafx.geometry.Bounds;
import javafx.geometry.Point2D;
import javafx.scene.Node;
import javafx.scene.control.ButtonType;
import javafx.scene.control.DialogPane;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.input.ContextMenuEvent;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;
import org.vbpstudio.eval.figure.FigureStyle;
import org.vbpstudio.eval.figure.LineFigure;
import org.vbpstudio.eval.figure.ScatterFigure;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.testutil.Figures;
import org.vbpstudio.testutil.Fixture;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Every chart of the real window saved through its context menu ▸ Save Figure… as SVG, PDF and PNG
 * (the file chooser answered by the test), and File ▸ Export Figures… writing them all: the SVG
 * holds the chart's series as paths, the PDF renders, the PNG has the chosen resolution's size.
 * One window walks through every chart kind (a window per test would cost its calibration again).
 */
@Tag("slow") // drives a window through calibration, sensitivity, a sweep, neuron maps and fine-tuning: ~1 min
class FiguresRobotTest extends RobotWindowFixture {
    private static final int DPI = 100;

    @Start
    void start(Stage stage) {
        openWindow(stage);
    }

    @Test
    void everyChartSavesAsSvgPdfAndPngAndExportFiguresWritesThemAll(FxRobot robot, @TempDir Path dir) throws Exception {
        calibrate(robot);
        robot.interact(() -> {
            window.viewModel().pruning().apply(PruningPlan.perBlock(0.5, 0.5, 0.5));
            window.viewModel().figures().setDpi(Integer.toString(DPI));
            window.viewModel().compare().setRatios(0, 0.5, 0.9);
        });
        int depth = FixtureStudio.Reference.model().config().depth();

        // a block's histogram, from its card; every block's, as a grid
        save(robot, dir, "#blockHistogram1", "#blockSaveFigure1", "block", 150, svg -> {
            assertTrue(Figures.filledPaths(svg, FigureStyle.KEPT) >= 1, "the block's neurons");
            assertTrue(Figures.filledPaths(svg, FigureStyle.REMOVED) >= 1, "the removed half");
        });
        save(robot, dir, "#blockHistogram1", "#histogramsSaveFigure1", "grid", 3 * 150,
                svg -> assertTrue(Figures.filledPaths(svg, FigureStyle.REMOVED) >= depth, "a panel per block"));

        // the sensitivity curves, from a card's sparkline
        robot.clickOn("#sensitivityCompute");
        waitFor(() -> text(robot, "#targetMessage").startsWith("Sensitivity of every block"));
        save(robot, dir, "#blockSensitivity0", "#sensitivitySaveFigure0", "sensitivity", LineFigure.WIDTH,
                svg -> assertEquals(depth, Figures.strokedPaths(svg, 5).size(), "a curve of 6 points per block"));

        // the Compare sweep: 9 series (taylor needs gradients) of 3 ratios
        robot.clickOn("#compareButton");
        waitFor(() -> !window.viewModel().compare().runningProperty().get()
                && !window.viewModel().compare().points().isEmpty());
        save(robot, dir, "#chart", "#compareSaveFigure", "compare", LineFigure.WIDTH,
                svg -> assertEquals(9, Figures.strokedPaths(svg, 2).size(), "a path per series"));

        // the Neurons tab: the scatter, then where the lowest-variance neuron fires
        robot.clickOn("Neurons");
        robot.interact(() -> window.viewModel().inspect(1, -1));
        robot.clickOn("#neuronsScatter").type(KeyCode.HOME);
        waitFor(() -> !window.viewModel().neurons().selected().isEmpty());
        save(robot, dir, "#neuronsScatter", "#scatterSaveFigure", "scatter", ScatterFigure.WIDTH,
                svg -> {
                    assertEquals(96 + 1, points(svg, FigureStyle.REMOVED), "a point per removed neuron, and the legend's");
                    assertEquals(96 + 1, points(svg, FigureStyle.KEPT), "a point per kept neuron, and the legend's");
                });
        robot.clickOn("#neuronMapsButton");
        waitFor(() -> window.viewModel().neuronMaps().resultProperty().get() != null);
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(text(robot, "#neuronMapsLabel").contains("variance"), text(robot, "#neuronMapsLabel"));
        save(robot, dir, "#neuronMapsImage", "#neuronMapsSaveFigure", "maps", 8 * 84 + 60,
                svg -> assertEquals(17, svg.getElementsByTagNameNS("*", "image").getLength(),
                        "16 images, each with its map blended in, and the colour bar"));

        // the Recover tab's charts after a short fine-tuning
        robot.clickOn("Recover");
        answers.add(Fixture.IMAGES);
        robot.clickOn("#trainingFolderButton");
        waitFor(() -> !robot.lookup("#startButton").query().isDisabled());
        robot.clickOn("#startButton");
        waitFor(() -> window.viewModel().recover().resultProperty().get() != null
                && !window.viewModel().recover().runningProperty().get());
        WaitForAsyncUtils.waitForFxEvents();
        save(robot, dir, "#lossChart", "#lossSaveFigure", "loss", LineFigure.WIDTH,
                svg -> assertEquals(1, Figures.strokedPaths(svg, 2).size(), "the loss over 3 epochs"));
        save(robot, dir, "#accuracyChart", "#accuracySaveFigure", "top1", LineFigure.WIDTH,
                svg -> assertEquals(1, Figures.strokedPaths(svg, 3).size(), "top-1 after epochs 0 to 3"));

        // File ▸ Export Figures…: every chart, in the three formats
        Path all = dir.resolve("all");
        answers.add(all);
        MenuBar bar = robot.lookup("#menuBar").queryAs(MenuBar.class);
        MenuItem export = bar.getMenus().get(0).getItems().stream()
                .filter(i -> "exportFiguresItem".equals(i.getId())).findFirst().orElseThrow();
        robot.interact(export::fire);
        waitFor(() -> robot.lookup("#infoDialog").tryQuery().isPresent());
        DialogPane pane = robot.lookup("#infoDialog").query();
        robot.clickOn(pane.lookupButton(ButtonType.OK));
        for (String name : List.of("histograms", "sensitivity", "compare", "recover-loss", "recover-top1",
                "neurons-scatter", "neuron-maps")) {
            for (String ext : List.of("svg", "pdf", "png")) {
                assertTrue(Files.size(all.resolve(name + "." + ext)) > 0, name + "." + ext);
            }
            Figures.parseSvg(all.resolve(name + ".svg"));
        }
    }

    /** Scatter points (SVG ellipses) filled with {@code colour}. */
    private static int points(Document svg, java.awt.Color colour) {
        NodeList all = svg.getElementsByTagNameNS("*", "ellipse");
        int n = 0;
        for (int i = 0; i < all.getLength(); i++) {
            n += ((Element) all.item(i)).getAttribute("style").startsWith("fill:" + Figures.hex(colour) + ";") ? 1 : 0;
        }
        return n;
    }

    /**
     * What a right-click (or the keyboard's menu key) asks of {@code query}'s node: a context menu at
     * its centre. Sent as the event itself, since the headless screen reports no popup trigger.
     */
    private static void openContextMenu(FxRobot robot, String query) {
        Node node = robot.lookup(query).query();
        robot.moveTo(node);
        robot.interact(() -> {
            Bounds b = node.getLayoutBounds();
            Point2D screen = node.localToScreen(b.getCenterX(), b.getCenterY());
            node.fireEvent(new ContextMenuEvent(ContextMenuEvent.CONTEXT_MENU_REQUESTED, b.getCenterX(),
                    b.getCenterY(), screen.getX(), screen.getY(), true, null));
        });
    }

    /**
     * Right-clicks {@code chart}, chooses {@code item} three times answering NAME.svg, .pdf and .png,
     * and checks each file: the SVG by {@code svgCheck}, the PDF rendered with ink at the figure's
     * width, the PNG {@code widthPoints} × dpi / 72 pixels wide.
     */
    private void save(FxRobot robot, Path dir, String chart, String item, String name, int widthPoints,
            Consumer<Document> svgCheck) throws Exception {
        for (String ext : List.of("svg", "pdf", "png")) {
            Path file = dir.resolve(name + "." + ext);
            answers.add(file);
            openContextMenu(robot, chart);
            waitFor(() -> robot.lookup(item).tryQuery().isPresent());
            robot.clickOn(item);
            waitFor(() -> Files.isRegularFile(file));
        }
        svgCheck.accept(Figures.parseSvg(dir.resolve(name + ".svg")));
        Path pdf = dir.resolve(name + ".pdf");
        assertTrue(Files.readString(pdf, StandardCharsets.ISO_8859_1).startsWith("%PDF-"));
        BufferedImage page = Figures.renderPdf(pdf, Files.createDirectories(dir.resolve(name + "-page")));
        assertEquals(widthPoints, page.getWidth(), 1, name + ": at 72 dpi a pixel per point");
        assertTrue(Figures.inkFraction(page) > 0.01, name + ": the page has a drawing");
        BufferedImage png = ImageIO.read(dir.resolve(name + ".png").toFile());
        assertEquals(Math.round(widthPoints * DPI / 72.0), png.getWidth(), name + ".png at " + DPI + " dpi");
    }
}
