package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.testutil.Cli.run;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.ConvNextConfig;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsFile;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.ConvNextFixture;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.testutil.Python;

/**
 * The command line over a ConvNeXt (convnext-micro): every figure against torchvision's float64
 * reference, and the pruned exports also loaded by torchvision itself ({@code convnext_reference.py
 * logits}), which knows nothing of this project's reader.
 */
class ConvNextCommandTest {
    private static final String TIMM = ConvNextFixture.TIMM.toString();
    private static final String IMAGES = ConvNextFixture.IMAGES.toString();

    @TempDir
    Path tmp;

    @Test
    void predictWritesTheReferenceLogits() throws IOException {
        Path csv = tmp.resolve("out.csv");
        Run r = run("predict", "--model", ConvNextFixture.HF.toString(), "--images", IMAGES, "--output", csv.toString(),
                "--batch", "7");
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(31, lines.size());
        float[][] expected = ConvNextFixture.matrix("hf_logits");
        for (int i = 0; i < 30; i++) {
            String[] f = lines.get(i + 1).split(",");
            assertEquals(ConvNextFixture.expected().getAsJsonArray("files").get(i).getAsString(), f[0]);
            assertEquals(top1(expected[i]), Integer.parseInt(f[2]), "row " + i);
            for (int j = 0; j < 5; j++) {
                assertEquals(expected[i][j], Float.parseFloat(f[3 + j]), 1e-4, "row " + i + " logit " + j);
            }
        }
    }

    /** Two halves of the images calibrated apart and merged: the statistics of all 30. */
    @Test
    void statsOfTwoHalvesMergeToTheReference() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(ConvNextFixture.IMAGES)) {
            files = s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        for (int i = 0; i < files.size(); i++) {
            Path half = Files.createDirectories(tmp.resolve(i % 2 == 0 ? "a" : "b").resolve(files.get(i).getParent().getFileName()));
            Files.copy(files.get(i), half.resolve(files.get(i).getFileName()));
        }
        for (String half : List.of("a", "b")) {
            Run r = run("stats", "--model", TIMM, "--calibration", tmp.resolve(half).toString(),
                    "--output", tmp.resolve(half + ".safetensors").toString());
            assertEquals(0, r.code(), r.err());
        }
        Path merged = tmp.resolve("merged.safetensors");
        Run r = run("stats", "--merge", tmp.resolve("a.safetensors").toString(), tmp.resolve("b.safetensors").toString(),
                "--output", merged.toString());
        assertEquals(0, r.code(), r.err());
        ActivationStats stats = StatsFile.read(merged).stats();
        assertEquals(30, stats.images());
        JsonArray means = ConvNextFixture.expected().getAsJsonArray("mlp_mean");
        JsonArray vars = ConvNextFixture.expected().getAsJsonArray("mlp_var");
        for (int b = 0; b < 6; b++) {
            for (int i = 0; i < stats.width(b); i++) {
                double m = means.get(b).getAsJsonArray().get(i).getAsDouble();
                double v = vars.get(b).getAsJsonArray().get(i).getAsDouble();
                assertEquals(m, stats.mean(b)[i], 1e-5 * (Math.abs(m) + Math.sqrt(v)) + 1e-7, "block " + b + " mean " + i);
                assertEquals(v, stats.variance(b)[i], 1e-5 * v + 1e-7, "block " + b + " variance " + i);
            }
        }
    }

    @Test
    void prunesPerBlockAsTheReferenceAndTorchvisionAgrees() throws IOException {
        Path out = tmp.resolve("out");
        Run r = run("prune", "--model", TIMM, "--calibration", IMAGES, "--ratio", "0.3", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        checkExport(out, "pruned_block_0.3");
    }

    @Test
    void prunesGloballyFromAStatisticsFileAsTheReferenceAndTorchvisionAgrees() throws IOException {
        Path s = tmp.resolve("s.safetensors");
        assertEquals(0, run("stats", "--model", TIMM, "--calibration", IMAGES, "--output", s.toString()).code());
        Path out = tmp.resolve("out");
        Run r = run("prune", "--model", ConvNextFixture.HF.toString(), "--stats", s.toString(), "--ratio", "0.6", "--global",
                "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        checkExport(out, "pruned_global_0.6");
    }

    /** A MACs budget: the export's own MACs (its config, costed afresh) within the budget and close to it. */
    @Test
    void prunesToAMacsBudget() {
        Path out = tmp.resolve("out");
        Run r = run("prune", "--model", TIMM, "--calibration", IMAGES, "--target-macs", "0.8", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        double f = (double) CostModel.totalMacs(ModelLoader.load(out).config())
                / CostModel.totalMacs(ModelLoader.load(ConvNextFixture.TIMM).config());
        assertTrue(f <= 0.8 && f > 0.78, "MACs fraction " + f);
    }

    /** The sweep's variance-compensated points score what the reference's pruned logits score. */
    @Test
    void sweepPointsMatchTheReferencePrunedModels() throws IOException {
        Path json = tmp.resolve("sweep.json");
        Run r = run("sweep", "--model", TIMM, "--calibration", IMAGES, "--validation", IMAGES, "--ratios", "0.3,0.6",
                "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(accuracy(ConvNextFixture.matrix("logits")), o.get("original_top1").getAsDouble(), 1e-12);
        int found = 0;
        for (JsonElement e : o.getAsJsonArray("points")) {
            JsonObject p = e.getAsJsonObject();
            String mode = p.get("mode").getAsString();
            String key = mode.equals("global") ? "pruned_global_" : "pruned_block_";
            if (!p.get("series").getAsString().equals("variance_compensated") || mode.equals("global-standardized")
                    || !ConvNextFixture.expected().has(key + p.get("ratio").getAsDouble())) {
                continue;
            }
            JsonObject ref = ConvNextFixture.expected().getAsJsonObject(key + p.get("ratio").getAsDouble());
            assertEquals(accuracy(Fixture.matrix(ref.getAsJsonArray("logits"))), p.get("top1").getAsDouble(), 1e-12);
            assertEquals(ref.get("params").getAsLong(), p.get("params").getAsLong());
            found++;
        }
        assertEquals(2, found, "block 0.3 and global 0.6");
    }

    /** One curve per block: at 0.3 a block keeps the reference's per-block width, the rest of the model intact. */
    @Test
    void sensitivityMeasuresEveryBlockAlone() throws IOException {
        Path json = tmp.resolve("sens.json");
        Run r = run("sensitivity", "--model", TIMM, "--calibration", IMAGES, "--images", IMAGES, "--ratios", "0.3",
                "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        JsonArray blocks = JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonArray("blocks");
        ConvNextConfig c = (ConvNextConfig) ModelLoader.load(ConvNextFixture.TIMM).config();
        int[] kept = ints(ConvNextFixture.expected().getAsJsonObject("pruned_block_0.3").getAsJsonArray("widths"));
        assertEquals(6, blocks.size());
        for (int b = 0; b < 6; b++) {
            JsonObject block = blocks.get(b).getAsJsonObject();
            assertEquals(b, block.get("index").getAsInt());
            JsonObject p = block.getAsJsonArray("points").get(0).getAsJsonObject();
            assertEquals(kept[b], p.get("kept").getAsInt(), "block " + b);
            int[] w = c.mlpHiddenDims();
            w[b] = kept[b];
            assertEquals(CostModel.totalMacs(c.withMlpHiddenDims(w)), p.get("macs").getAsLong(), "block " + b);
        }
    }

    /** {@code bench --shape convnext-tiny}'s random model: ConvNeXt-T's published 28,589,128 parameters, timm's init. */
    @Test
    void benchShapesIncludeConvNextTiny() {
        LoadedModel m = BenchFixtures.randomModel("convnext-tiny");
        assertEquals(ConvNextConfig.convnextTiny(), m.config());
        assertEquals(28_589_128L, m.weights().numParams());
        assertEquals(1e-6f, m.weights().get("stages.3.blocks.2.gamma").data()[767], 0f);
        Run r = run("bench", "model", "--shape", "convnext-huge", "--output", tmp.resolve("m").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("convnext-tiny"), r.err());
    }

    /** Widths and parameters as the reference; logits as the reference by our loader and by torchvision's. */
    private static void checkExport(Path out, String key) throws IOException {
        JsonObject ref = ConvNextFixture.expected().getAsJsonObject(key);
        LoadedModel m = ModelLoader.load(out);
        assertArrayEquals(ints(ref.getAsJsonArray("widths")), m.config().mlpHiddenDims());
        assertEquals(ref.get("params").getAsLong(), m.weights().numParams());
        float[][] expected = Fixture.matrix(ref.getAsJsonArray("logits"));
        try (NDManager manager = Engines.newManager(); Network net = m.instantiate(manager)) {
            Fixture.assertClose(expected, net.logits(ConvNextFixture.pixels(), 30, MlpHook.NONE), 1e-3);
        }
        Python.require("torch", "torchvision");
        Python.Result r = Python.run(List.of(ConvNextFixture.SCRIPT.toAbsolutePath().toString(), "logits",
                out.toAbsolutePath().toString(), ConvNextFixture.ROOT.toAbsolutePath().toString()), 600);
        assertEquals(0, r.code(), r.err());
        float[][] torchvision = Fixture.matrix(JsonParser.parseString(r.out().strip()).getAsJsonArray());
        for (int i = 0; i < 30; i++) {
            assertArrayEquals(expected[i], torchvision[i], 1e-3f, key + ", torchvision's logits of the export, image " + i);
        }
    }

    private static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    private static int top1(float[] row) {
        int best = 0;
        for (int j = 1; j < row.length; j++) {
            best = row[j] > row[best] ? j : best;
        }
        return best;
    }

    private static double accuracy(float[][] logits) {
        JsonArray labels = ConvNextFixture.expected().getAsJsonArray("labels");
        int correct = 0;
        for (int i = 0; i < logits.length; i++) {
            correct += top1(logits[i]) == labels.get(i).getAsInt() ? 1 : 0;
        }
        return (double) correct / logits.length;
    }
}
