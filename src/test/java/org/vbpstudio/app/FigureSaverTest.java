package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.app.figures.FigureSaver;
import org.vbpstudio.eval.figure.Curve;
import org.vbpstudio.eval.figure.Figure;
import org.vbpstudio.eval.figure.LineFigure;
import org.vbpstudio.testutil.Figures;

/**
 * Saving figures from the app: the extension chooses the format, PNGs follow the chosen resolution,
 * a bad extension or resolution is one line naming it and writes nothing, Export Figures writes
 * every figure in the three formats into a new folder and refuses a folder of other files.
 */
class FigureSaverTest {
    private static final Figure LINE = new LineFigure("t", new LineFigure.Axes("x", "y", false),
            List.of(Curve.plain("a", new double[] {0, 1, 2}, new double[] {1, 3, 2})), Double.NaN, Double.NaN, false);

    @Test
    void theExtensionChoosesTheFormatAndPngsFollowTheResolution(@TempDir Path dir) throws Exception {
        try (FixtureStudio studio = new FixtureStudio()) {
            FigureSaver saver = studio.vm.figures();
            studio.dialogs.answers.add(dir.resolve("a.svg"));
            saver.save("a", LINE); // same-thread executor: written on return
            assertEquals(1, Figures.strokedPaths(Figures.parseSvg(dir.resolve("a.svg")), 2).size(), "one path for the curve");
            saver.setDpi("300");
            saver.save(dir.resolve("a.png"), LINE);
            BufferedImage png = ImageIO.read(dir.resolve("a.png").toFile());
            assertEquals(Math.round(LineFigure.WIDTH * 300 / 72.0), png.getWidth());
            saver.save(dir.resolve("a.pdf"), LINE);
            assertTrue(Files.readString(dir.resolve("a.pdf"), java.nio.charset.StandardCharsets.ISO_8859_1).startsWith("%PDF"));
            assertTrue(studio.dialogs.errors.isEmpty(), studio.dialogs.errors.toString());

            saver.setDpi("5");
            assertEquals(300, saver.dpiProperty().get(), "a bad resolution is not applied");
            saver.save(dir.resolve("a.txt"), LINE);
            assertEquals(2, studio.dialogs.errors.size(), studio.dialogs.errors.toString());
            assertTrue(studio.dialogs.errors.get(0).contains("between 36 and"), studio.dialogs.errors.get(0));
            assertTrue(studio.dialogs.errors.get(1).contains("a.txt") && !studio.dialogs.errors.get(1).contains("\n"),
                    studio.dialogs.errors.get(1));
            assertFalse(Files.exists(dir.resolve("a.txt")));
        }
    }

    @Test
    void exportFiguresWritesEachInThreeFormatsIntoANewFolderOnly(@TempDir Path dir) throws Exception {
        try (FixtureStudio studio = new FixtureStudio()) {
            FigureSaver saver = studio.vm.figures();
            Path out = dir.resolve("figures");
            studio.dialogs.answers.add(out);
            saver.exportAll(Map.of("one", LINE, "two", LINE));
            try (Stream<Path> files = Files.list(out)) {
                List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
                        .sorted().toList();
                assertTrue(names.containsAll(List.of("one.pdf", "one.png", "one.svg", "two.pdf", "two.png", "two.svg")),
                        names.toString());
            }
            Figures.parseSvg(out.resolve("two.svg"));
            assertEquals(1, studio.dialogs.infos.size(), studio.dialogs.infos.toString());

            Path other = Files.createDirectories(dir.resolve("mine"));
            Files.writeString(other.resolve("notes.txt"), "keep");
            studio.dialogs.answers.add(other);
            saver.exportAll(Map.of("one", LINE));
            assertEquals(1, studio.dialogs.errors.size(), studio.dialogs.errors.toString());
            try (Stream<Path> files = Files.list(other)) {
                assertEquals(List.of(other.resolve("notes.txt")), files.toList(), "a folder of other files is untouched");
            }
        }
    }
}
