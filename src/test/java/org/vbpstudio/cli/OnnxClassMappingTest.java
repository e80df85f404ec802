package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vbpstudio.testutil.Cli.run;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.testutil.Cli.Run;

/**
 * The sample model and its ONNX export score the same Fashion-MNIST validation images against
 * the same classes: class folders are mapped by name (folder "Ankle_boot" is class 9, "T-shirt_top"
 * class 0) on both paths, for all ten folders and for a subset of them.
 */
@Tag("slow") // exports the sample model and runs two models over 240 images, about 10 s
class OnnxClassMappingTest {
    private static final Path SAMPLE = Path.of("sample-models/vit-fashion-mnist");
    private static final Path VALIDATION = SAMPLE.resolve("data/validation");
    private static final String[] FOLDERS = {"T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
            "Sneaker", "Bag", "Ankle_boot"};
    private static final int PER_CLASS = 12;

    @TempDir
    static Path tmp;
    private static Path onnx;
    private static Path all;
    private static Path subset;
    /** relative path → the class the IDX labels say, for every image written. */
    private static final Map<String, Integer> truth = new TreeMap<>();

    @BeforeAll
    static void exportAndWriteFolders() throws IOException {
        onnx = tmp.resolve("sample.onnx");
        Run r = run("onnx", "--model", SAMPLE.toString(), "--output", onnx.toString());
        assertEquals(0, r.code(), r.err());
        all = tmp.resolve("all");
        subset = tmp.resolve("subset");
        byte[] labels = idx(VALIDATION.resolve("t10k-labels-idx1-ubyte.gz"), 8);
        byte[] images = idx(VALIDATION.resolve("t10k-images-idx3-ubyte.gz"), 16);
        int[] written = new int[10];
        for (int i = 0; i < labels.length && min(written) < PER_CLASS; i++) {
            int c = labels[i];
            if (written[c] == PER_CLASS) {
                continue;
            }
            BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            img.getRaster().setDataElements(0, 0, 28, 28, java.util.Arrays.copyOfRange(images, i * 784, (i + 1) * 784));
            String name = FOLDERS[c] + "/img_" + i + ".png";
            write(img, all.resolve(name));
            if (List.of("Trouser", "Bag", "Ankle_boot").contains(FOLDERS[c])) {
                write(img, subset.resolve(name));
            }
            truth.put(name, c);
            written[c]++;
        }
    }

    private static int min(int[] a) {
        return java.util.Arrays.stream(a).min().orElseThrow();
    }

    private static void write(BufferedImage img, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    /** The payload of a gzipped IDX file after its {@code header} bytes (read independently of the project's reader). */
    private static byte[] idx(Path gz, int header) throws IOException {
        try (InputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(gz)))) {
            in.readNBytes(header);
            return in.readAllBytes();
        }
    }

    private static JsonObject eval(Path model, Path images) {
        Run r = run("eval", "--model", model.toString(), "--images", images.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        return JsonParser.parseString(r.out().strip()).getAsJsonObject();
    }

    /** path → {label, predicted} columns of a predict CSV. */
    private static Map<String, List<String>> predict(Path model, Path images, String name) throws IOException {
        Path csv = tmp.resolve(name + ".csv");
        Run r = run("predict", "--model", model.toString(), "--images", images.toString(), "--output", csv.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, List<String>> rows = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(csv);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            rows.put(f[0], List.of(f[1], f[2]));
        }
        return rows;
    }

    @Test
    void evalGivesTheSameTop1ThroughTheDirectoryAndTheOnnxFile() {
        for (Path images : List.of(all, subset)) {
            JsonObject dir = eval(SAMPLE, images);
            JsonObject ort = eval(onnx, images);
            assertEquals(dir.get("count").getAsInt(), ort.get("count").getAsInt(), images.toString());
            assertEquals(dir.get("correct_top1").getAsInt(), ort.get("correct_top1").getAsInt(), images.toString());
            // the sample model is about 90 % right: scored against the wrong classes it would be near 10 %
            assertEquals(true, ort.get("top1").getAsDouble() > 0.7, ort.toString());
        }
    }

    @Test
    void predictLabelsEachFolderWithItsClassOnBothPaths() throws IOException {
        for (Path images : List.of(all, subset)) {
            String name = images.getFileName().toString();
            Map<String, List<String>> dir = predict(SAMPLE, images, name + "-dir");
            Map<String, List<String>> ort = predict(onnx, images, name + "-ort");
            assertEquals(dir.keySet(), ort.keySet());
            for (Map.Entry<String, List<String>> e : ort.entrySet()) {
                assertEquals(Integer.toString(truth.get(e.getKey())), e.getValue().get(0), e.getKey());
                assertEquals(dir.get(e.getKey()), e.getValue(), e.getKey());
            }
        }
    }
}
