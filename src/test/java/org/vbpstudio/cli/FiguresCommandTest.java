package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.eval.figure.FigureStyle;
import org.vbpstudio.eval.figure.LineFigure;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Figures;
import org.vbpstudio.testutil.Fixture;
import org.w3c.dom.Document;

/**
 * {@code --plot}: the sample model's sweep as an SVG that parses with one stroked path per curve
 * (a colour per criterion); a PDF that poppler renders and a PNG of the size its --dpi asks for;
 * the histogram grid of {@code stats}; one-line refusals of what cannot be a figure.
 */
class FiguresCommandTest {
    private static final Path SAMPLE = Path.of("sample-models/vit-fashion-mnist");
    private static final int RATIOS = 3;

    @TempDir
    Path tmp;

    /** The sweep on the sample model (the SVG check) or, faster, on the reference micro ViT. */
    private Cli.Run sweep(Path plot, String... more) {
        boolean sample = plot.toString().endsWith(".svg");
        Path model = sample ? SAMPLE : Fixture.TIMM;
        Path calibration = sample ? SAMPLE.resolve("data/calibration") : Fixture.IMAGES;
        Path validation = sample ? SAMPLE.resolve("data/validation") : Fixture.IMAGES;
        List<String> args = new java.util.ArrayList<>(List.of("sweep", "--model", model.toString(),
                "--calibration", calibration.toString(), "--validation", validation.toString(), "--limit", "100",
                "--ratios", "0.3,0.6,0.9", "--json", tmp.resolve(plot.getFileName() + ".json").toString(),
                "--plot", plot.toString()));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void sweepSvgHasOneStrokedPathPerCurve() throws Exception {
        Path svg = tmp.resolve("sweep.svg");
        Cli.Run r = sweep(svg);
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(Files.readString(tmp.resolve("sweep.svg.json"))).getAsJsonObject();
        Set<String> curves = new TreeSet<>(); // series × mode, as the figure draws them
        Set<String> criteria = new TreeSet<>();
        o.getAsJsonArray("points").forEach(e -> {
            JsonObject p = e.getAsJsonObject();
            curves.add(p.get("series").getAsString() + " " + p.get("mode").getAsString());
            criteria.add(p.get("criterion").getAsString());
        });
        // a curve has a point per ratio: RATIOS - 1 segments; legend samples and grid lines have one
        List<String> strokes = Figures.strokedPaths(Figures.parseSvg(svg), RATIOS - 1);
        strokes.removeIf(c -> c.equals(Figures.hex(FigureStyle.REFERENCE)));
        assertEquals(curves.size(), strokes.size(), "one path per (criterion, mode): " + curves + " vs " + strokes);
        assertEquals(criteria.size(), new TreeSet<>(strokes).size(), "a colour per criterion: " + strokes);
        for (int i = 0; i < criteria.size(); i++) {
            assertTrue(strokes.contains(Figures.hex(FigureStyle.PALETTE[i])), strokes.toString());
        }
    }

    @Test
    void sweepPdfRendersAndPngHasItsDpi() throws Exception {
        Path pdf = tmp.resolve("sweep.pdf");
        Cli.Run r = sweep(pdf);
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.readString(pdf, StandardCharsets.ISO_8859_1).startsWith("%PDF-"));
        BufferedImage page = Figures.renderPdf(pdf, tmp);
        assertEquals(LineFigure.WIDTH, page.getWidth(), 1, "at 72 dpi a pixel per point");
        assertEquals(LineFigure.HEIGHT, page.getHeight(), 1);
        assertTrue(Figures.inkFraction(page) > 0.03, "the page has a drawing: " + Figures.inkFraction(page));

        Path png = tmp.resolve("sweep.png");
        r = sweep(png, "--dpi", "300");
        assertEquals(0, r.code(), r.err());
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(Math.round(LineFigure.WIDTH * 300 / 72.0), img.getWidth());
        assertEquals(Math.round(LineFigure.HEIGHT * 300 / 72.0), img.getHeight());
    }

    @Test
    void statsPlotsOneHistogramPerBlock() throws Exception {
        Path svg = tmp.resolve("hist.svg");
        Cli.Run r = Cli.run("stats", "--model", Fixture.TIMM.toString(), "--calibration", Fixture.IMAGES.toString(),
                "--output", tmp.resolve("s.safetensors").toString(), "--plot", svg.toString());
        assertEquals(0, r.code(), r.err());
        int depth = ModelLoader.load(Fixture.TIMM).config().depth();
        // every block's panel fills its histogram: one area in the kept colour each, nothing removed
        Document doc = Figures.parseSvg(svg);
        assertEquals(depth, Figures.filledPaths(doc, FigureStyle.KEPT));
        assertEquals(0, Figures.filledPaths(doc, FigureStyle.REMOVED));
    }

    @Test
    void badFiguresAreOneLineBeforeAnyWork() {
        Cli.Run r = sweep(tmp.resolve("sweep.gif"));
        assertEquals(2, r.code());
        assertTrue(r.err().strip().lines().count() == 1 && r.err().contains("sweep.gif")
                && r.err().contains(".svg, .pdf or .png"), r.err());
        r = sweep(tmp.resolve("sweep.png"), "--dpi", "5000");
        assertEquals(2, r.code());
        assertTrue(r.err().strip().lines().count() == 1 && r.err().contains("5000"), r.err());
        assertTrue(!Files.exists(tmp.resolve("sweep.png")) && !Files.exists(tmp.resolve("sweep.gif")));
    }
}
