package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.testutil.Python;

/**
 * {@code inspect} against an independent float64 PyTorch forward pass of the reference micro ViT
 * (src/test/resources/python/neuron_reference.py): every patch and the class token of every listed
 * image to 1e-4; the images listed as strongest are the strongest by the reference's maxima; the
 * neuron's mean and variance over all tokens of all images equal the reference's.
 */
class InspectCommandTest {
    private static final int BLOCK = 1;
    private static final int NEURON = 5;

    @TempDir
    Path tmp;

    @Test
    void activationsEqualAnIndependentImplementation() throws Exception {
        Python.require("torch");
        Cli.Run r = Cli.run("inspect", "--model", Fixture.TIMM.toString(), "--images", Fixture.IMAGES.toString(),
                "--block", "" + BLOCK, "--neuron", "" + NEURON, "--top", "5", "--random", "6", "--json", "--batch", "7");
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        Python.Result ref = Python.run(List.of("src/test/resources/python/neuron_reference.py", Fixture.ROOT.toString(),
                "" + BLOCK, "" + NEURON), 300);
        assertEquals(0, ref.code(), ref.err());
        JsonObject expected = JsonParser.parseString(ref.out()).getAsJsonObject();
        List<String> files = new ArrayList<>();
        expected.getAsJsonArray("files").forEach(e -> files.add(e.getAsString()));

        assertEquals(BLOCK, o.get("block").getAsInt());
        assertEquals(NEURON, o.get("neuron").getAsInt());
        JsonArray images = o.getAsJsonArray("images");
        assertEquals(5 + 6, images.size());
        Set<String> top = new HashSet<>();
        for (JsonElement e : images) {
            JsonObject img = e.getAsJsonObject();
            int i = files.indexOf(img.get("path").getAsString());
            assertTrue(i >= 0, img.get("path").getAsString());
            assertEquals(expected.getAsJsonArray("cls").get(i).getAsDouble(), img.get("cls").getAsDouble(), 1e-4);
            JsonArray want = expected.getAsJsonArray("grids").get(i).getAsJsonArray();
            JsonArray got = img.getAsJsonArray("grid");
            assertEquals(want.size(), got.size(), "rows");
            for (int y = 0; y < want.size(); y++) {
                assertEquals(want.get(y).getAsJsonArray().size(), got.get(y).getAsJsonArray().size(), "columns");
                for (int x = 0; x < want.get(y).getAsJsonArray().size(); x++) {
                    assertEquals(want.get(y).getAsJsonArray().get(x).getAsDouble(),
                            got.get(y).getAsJsonArray().get(x).getAsDouble(), 1e-4, img.get("path") + " at " + y + "," + x);
                }
            }
            if (img.get("why").getAsString().equals("top")) {
                top.add(img.get("path").getAsString());
            }
        }
        // the strongest five by the reference's largest patch activation
        double[] peaks = new double[files.size()];
        double sum = 0;
        double sumSq = 0;
        long n = 0;
        for (int i = 0; i < files.size(); i++) {
            peaks[i] = Double.NEGATIVE_INFINITY;
            double cls = expected.getAsJsonArray("cls").get(i).getAsDouble();
            sum += cls;
            sumSq += cls * cls;
            n++;
            for (JsonElement row : expected.getAsJsonArray("grids").get(i).getAsJsonArray()) {
                for (JsonElement v : row.getAsJsonArray()) {
                    peaks[i] = Math.max(peaks[i], v.getAsDouble());
                    sum += v.getAsDouble();
                    sumSq += v.getAsDouble() * v.getAsDouble();
                    n++;
                }
            }
        }
        double[] sorted = peaks.clone();
        java.util.Arrays.sort(sorted);
        double fifth = sorted[sorted.length - 5];
        for (String f : top) {
            assertTrue(peaks[files.indexOf(f)] >= fifth - 1e-6, f + " is not among the five strongest");
        }
        double mean = sum / n;
        assertEquals(mean, o.get("mean").getAsDouble(), 1e-5);
        assertEquals(sumSq / n - mean * mean, o.get("variance").getAsDouble(), 1e-5);
        assertEquals(files.size(), o.get("images_scanned").getAsInt());
    }

    @Test
    void writesTheFigureAndRefusesWhatIsNotThere() throws Exception {
        Path png = tmp.resolve("grid.png");
        Cli.Run r = Cli.run("inspect", "--model", Fixture.TIMM.toString(), "--images", Fixture.IMAGES.toString(),
                "--block", "0", "--neuron", "3", "--output", png.toString(), "--dpi", "72");
        assertEquals(0, r.code(), r.err());
        BufferedImage img = ImageIO.read(png.toFile());
        assertTrue(img.getWidth() > 8 * 60 && img.getHeight() > 2 * 60, img.getWidth() + "x" + img.getHeight());

        r = Cli.run("inspect", "--model", Fixture.TIMM.toString(), "--images", Fixture.IMAGES.toString(),
                "--block", "99", "--neuron", "0", "--json");
        assertEquals(2, r.code());
        assertTrue(r.err().strip().lines().count() == 1 && r.err().contains("--block 99"), r.err());
        r = Cli.run("inspect", "--model", Fixture.TIMM.toString(), "--images", Fixture.IMAGES.toString(),
                "--block", "0", "--neuron", "100000", "--json");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--neuron 100000") && r.err().contains("block 0"), r.err());
        r = Cli.run("inspect", "--model", Fixture.TIMM.toString(), "--images", Fixture.IMAGES.toString(),
                "--block", "0", "--neuron", "0", "--output", tmp.resolve("x.bmp").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("x.bmp") && !Files.exists(tmp.resolve("x.bmp")), r.err());
    }
}
