package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.testutil.Cli.run;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.train.VitInit;

/** Class folders named after the model's classes, through predict and eval. */
class ClassNamesCommandTest {
    private static final Path SAMPLE = Path.of("sample-models/vit-fashion-mnist");

    @TempDir
    Path tmp;

    /** The vit-micro fixture's timm model with class names. */
    private Path namedModel() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("named-model"));
        Files.copy(Fixture.TIMM.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(Fixture.TIMM.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("labels.txt"), "apple\nbanana split\ncherry\ndate\nelderberry\n");
        return dir;
    }

    /** Copies fixture images into {@code root/folder}, {@code n} per folder. */
    private Path imageFolder(String name, int n, String... folders) throws IOException {
        Path root = tmp.resolve(name);
        int next = 0;
        for (String folder : folders) {
            Path d = Files.createDirectories(root.resolve(folder));
            for (int i = 0; i < n; i++, next++) {
                Path src = Fixture.IMAGES.resolve(String.format("class_%02d/img_%03d.png", next % 5, next % 6));
                Files.copy(src, d.resolve("img_" + i + ".png"));
            }
        }
        return root;
    }

    /** path → label column of a predict CSV. */
    private static Map<String, String> labels(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            m.put(f[0], f[1]);
        }
        return m;
    }

    @Test
    void predictWritesTheClassIndicesOfFoldersNamedAfterLabelsTxtEntries() throws IOException {
        Path images = imageFolder("three", 2, "cherry", "banana split", "elderberry");
        Path csv = tmp.resolve("p.csv");
        Run r = run("predict", "--model", namedModel().toString(), "--images", images.toString(), "--output", csv.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, String> expected = new LinkedHashMap<>();
        for (String[] e : new String[][] {{"banana split", "1"}, {"cherry", "2"}, {"elderberry", "4"}}) {
            expected.put(e[0] + "/img_0.png", e[1]);
            expected.put(e[0] + "/img_1.png", e[1]);
        }
        assertEquals(expected, labels(csv));
    }

    @Test
    void predictOnTheSampleModelMapsFashionNamesIgnoringCaseAndSeparators() throws IOException {
        Path images = imageFolder("fashion", 1, "Ankle boot", "T-shirt_top", "trouser");
        Path csv = tmp.resolve("p.csv");
        Run r = run("predict", "--model", SAMPLE.toString(), "--images", images.toString(), "--output", csv.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(Map.of("Ankle boot/img_0.png", "9", "T-shirt_top/img_0.png", "0", "trouser/img_0.png", "1"),
                labels(csv));
    }

    @Test
    void predictNeedsNoLabelsAndLeavesThemEmptyWhenFoldersAreNotClasses() throws IOException {
        Path images = imageFolder("two", 2, "cats", "dogs");
        for (String model : List.of(Fixture.TIMM.toString(), SAMPLE.toString())) {
            Path csv = tmp.resolve("p-" + model.hashCode() + ".csv");
            Run r = run("predict", "--model", model, "--images", images.toString(), "--output", csv.toString());
            assertEquals(0, r.code(), r.err());
            assertEquals(List.of("", "", "", ""), List.copyOf(labels(csv).values()));
        }
    }

    @Test
    void evalOnASubsetOfNamedClassesScoresAgainstTheMappedLabels() throws IOException {
        Path model = namedModel();
        Path images = imageFolder("subset", 3, "date", "apple");
        Path csv = tmp.resolve("p.csv");
        assertEquals(0, run("predict", "--model", model.toString(), "--images", images.toString(),
                "--output", csv.toString()).code());
        int correct = 0;
        List<String> rows = Files.readAllLines(csv);
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            correct += f[1].equals(f[2]) ? 1 : 0;
        }
        Run r = run("eval", "--model", model.toString(), "--images", images.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out().strip()).getAsJsonObject();
        assertEquals(6, o.get("count").getAsInt());
        assertEquals(correct, o.get("correct_top1").getAsInt());
    }

    @Test
    void wordNetIdFoldersFollowTheImagenetOrderForAThousandClassModelWithoutNames() throws IOException {
        VitConfig cfg = new VitConfig("vit_micro_patch4_16", 16, 4, 3, 16, 2, new int[] {16}, 1000, false, 1e-6, Pooling.TOKEN);
        List<String> indices = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            indices.add(Integer.toString(i));
        }
        Path model = Files.createDirectories(tmp.resolve("imagenet-model"));
        ModelWriter.write(model, cfg, VitInit.random(cfg, 0), Preprocessing.timm(3, 16, 1.0,
                new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f}), indices, Map.of());
        Path images = imageFolder("imagenet-subset", 1, "n15075141", "n01443537");
        Path csv = tmp.resolve("p.csv");
        Run r = run("predict", "--model", model.toString(), "--images", images.toString(), "--output", csv.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(Map.of("n01443537/img_0.png", "1", "n15075141/img_0.png", "999"), labels(csv));
        Run e = run("eval", "--model", model.toString(), "--images", images.toString(), "--json");
        assertEquals(0, e.code(), e.err());
        assertEquals(2, JsonParser.parseString(e.out().strip()).getAsJsonObject().get("count").getAsInt());
    }

    @Test
    void evalNamesTheFoldersThatMatchNoClassOnOneLine() throws IOException {
        Path images = imageFolder("odd", 1, "apple", "b1", "b2", "b3", "b4", "b5", "b6", "b7");
        Run r = run("eval", "--model", namedModel().toString(), "--images", images.toString());
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(images + ": 7 of its 8 class folders match none of the model's 5 classes:"
                + " b1, b2, b3, b4, b5 and 2 more"), r.err());
    }
}
