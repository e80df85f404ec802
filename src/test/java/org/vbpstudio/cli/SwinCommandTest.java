package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.SwinConfig;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.testutil.Python;
import org.vbpstudio.testutil.SwinFixture;

/**
 * The command line over a Swin (fixtures/swin-micro): predict, stats (and merged shards), prune per
 * block and globally (exports checked by torchvision with the exported widths), budgets, sweep and
 * sensitivity.
 */
class SwinCommandTest {
    private static final String MODEL = SwinFixture.TIMM.toString();
    private static final String IMAGES = SwinFixture.IMAGES.toString();

    @TempDir
    Path tmp;

    @Test
    void predictWritesTorchvisionsLogits() throws IOException {
        Path csv = tmp.resolve("out.csv");
        Cli.Run r = Cli.run("predict", "--model", SwinFixture.HF.toString(), "--images", IMAGES, "--output", csv.toString(),
                "--batch", "4");
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(16, lines.size());
        float[][] expected = SwinFixture.logits();
        for (int i = 0; i < 15; i++) {
            String[] f = lines.get(i + 1).split(",");
            assertEquals(SwinFixture.expected().getAsJsonArray("files").get(i).getAsString(), f[0]);
            for (int k = 0; k < 5; k++) {
                assertEquals(expected[i][k], Float.parseFloat(f[3 + k]), 1e-4, "row " + i + " logit " + k);
            }
        }
    }

    @Test
    void statsMatchTheReferenceAndShardsMergeToThem() throws IOException {
        Path whole = tmp.resolve("all.safetensors");
        Cli.Run r = Cli.run("stats", "--model", MODEL, "--calibration", IMAGES, "--output", whole.toString(), "--batch", "4");
        assertEquals(0, r.code(), r.err());
        checkStats(whole);
        Path[] shards = {tmp.resolve("a.safetensors"), tmp.resolve("b.safetensors")};
        Path[] parts = {tmp.resolve("a"), tmp.resolve("b")};
        for (int c = 0; c < 5; c++) {
            Path to = parts[c < 2 ? 0 : 1].resolve("class_0" + c);
            Files.createDirectories(to);
            try (var files = Files.list(SwinFixture.IMAGES.resolve("class_0" + c))) {
                for (Path f : files.toList()) {
                    Files.copy(f, to.resolve(f.getFileName()));
                }
            }
        }
        for (int i = 0; i < 2; i++) {
            Cli.Run s = Cli.run("stats", "--model", MODEL, "--calibration", parts[i].toString(), "--output", shards[i].toString());
            assertEquals(0, s.code(), s.err());
        }
        Path merged = tmp.resolve("merged.safetensors");
        Cli.Run m = Cli.run("stats", "--merge", shards[0].toString(), shards[1].toString(), "--output", merged.toString());
        assertEquals(0, m.code(), m.err());
        checkStats(merged);
    }

    @Test
    void prunedExportsComputeTheReferencePrunedLogitsInTorchvision() throws IOException {
        Python.require("torch", "torchvision", "PIL");
        check(prune("block", "--ratio", "0.3"), "pruned_block_0.3");
        check(prune("global", "--ratio", "0.6", "--global"), "pruned_global_0.6");
    }

    @Test
    void budgetsSweepAndSensitivityRun() throws IOException {
        Path out = prune("budget", "--target-macs", "0.8");
        JsonObject report = JsonParser.parseString(Files.readString(out.resolve("report.json"))).getAsJsonObject();
        assertTrue(report.toString().contains("macs"), report.toString());
        Path json = tmp.resolve("sweep.json");
        Cli.Run r = Cli.run("sweep", "--model", MODEL, "--calibration", IMAGES, "--validation", IMAGES,
                "--ratios", "0.3,0.6", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.readString(json).contains("0.6"));
        Path sens = tmp.resolve("sensitivity.json");
        Cli.Run s = Cli.run("sensitivity", "--model", MODEL, "--calibration", IMAGES, "--images", IMAGES,
                "--ratios", "0.5", "--json", sens.toString());
        assertEquals(0, s.code(), s.err());
        assertTrue(Files.size(sens) > 0);
    }

    @Test
    void benchWritesARandomSwinTinyThatReadsBackAsSwinT() {
        Path dir = tmp.resolve("swin-tiny");
        Cli.Run r = Cli.run("bench", "model", "--shape", "swin-tiny", "--output", dir.toString());
        assertEquals(0, r.code(), r.err());
        LoadedModel m = ModelLoader.load(dir);
        assertEquals(SwinConfig.swinTiny(), m.config());
        assertEquals(28_288_354L, m.weights().numParams());
        // timm's initialisation: LayerNorm weights one, Linear weights and bias tables std 0.02 cut at 2 std
        for (float v : m.weights().get("layers.3.blocks.1.norm2.weight").data()) {
            assertEquals(1f, v);
        }
        float[] fc1 = m.weights().get("layers.2.blocks.5.mlp.fc1.weight").data();
        double sq = 0;
        for (float v : fc1) {
            assertTrue(Math.abs(v) <= 0.04f, "cut at 2 std");
            sq += v * v;
        }
        assertEquals(0.0176, Math.sqrt(sq / fc1.length), 0.0005, "std of a normal(0, 0.02) cut at ±2 std");
        Cli.Run bad = Cli.run("bench", "model", "--shape", "swin-huge", "--output", tmp.resolve("x").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("swin-tiny, swin-small, swin-base") && bad.err().contains("not swin-huge"), bad.err());
    }

    private Path prune(String name, String... how) {
        Path out = tmp.resolve(name);
        List<String> args = new ArrayList<>(List.of("prune", "--model", MODEL, "--calibration", IMAGES, "--output",
                out.toString()));
        args.addAll(List.of(how));
        Cli.Run r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return out;
    }

    /** The export's widths are the reference's, and torchvision loading it computes the reference's logits. */
    private static void check(Path export, String key) throws IOException {
        JsonObject ref = SwinFixture.expected().getAsJsonObject(key);
        JsonObject cfg = JsonParser.parseString(Files.readString(export.resolve("config.json"))).getAsJsonObject();
        int[] widths = new Gson().fromJson(cfg.getAsJsonObject("model_args").get("mlp_hidden_dims"), int[].class);
        assertArrayEquals(new Gson().fromJson(ref.get("widths"), int[].class), widths, key);
        assertArrayEquals(widths, ModelLoader.load(export).config().mlpHiddenDims(), "the loader reads its export back");
        List<String> cmd = new ArrayList<>(List.of("src/test/resources/python/swin_export_check.py", export.toString(), IMAGES));
        SwinFixture.expected().getAsJsonArray("files").forEach(f -> cmd.add(f.getAsString()));
        Python.Result py = Python.run(cmd, 300);
        assertEquals(0, py.code(), py.err());
        float[][] logits = Fixture.matrix(JsonParser.parseString(py.out().strip()).getAsJsonArray());
        float[][] expected = SwinFixture.matrix(ref, "logits");
        float[] flat = new float[logits.length * 5];
        for (int i = 0; i < logits.length; i++) {
            System.arraycopy(logits[i], 0, flat, i * 5, 5);
        }
        Fixture.assertClose(expected, flat, 1e-3);
    }

    private static void checkStats(Path file) {
        SafeTensors st = SafeTensors.open(file);
        JsonArray means = SwinFixture.expected().getAsJsonArray("mlp_mean");
        JsonArray vars = SwinFixture.expected().getAsJsonArray("mlp_var");
        for (int b = 0; b < means.size(); b++) {
            double[] mean = st.doubles("blocks." + b + ".mlp.mean");
            double[] m2 = st.doubles("blocks." + b + ".mlp.m2");
            double count = st.doubles("blocks." + b + ".mlp.count")[0];
            assertEquals(15.0 * (b < 2 ? 256 : b < 4 ? 64 : 16), count, "block " + b + " positions");
            JsonArray em = means.get(b).getAsJsonArray();
            JsonArray ev = vars.get(b).getAsJsonArray();
            assertEquals(em.size(), mean.length);
            double meanScale = 0;
            double varScale = 0;
            for (int j = 0; j < ev.size(); j++) {
                meanScale = Math.max(meanScale, Math.abs(em.get(j).getAsDouble()));
                varScale = Math.max(varScale, ev.get(j).getAsDouble());
            }
            for (int j = 0; j < mean.length; j++) {
                double m = em.get(j).getAsDouble();
                double v = ev.get(j).getAsDouble();
                // 1e-5 relative, below 1% of the block's largest value relative to that 1% (as for the
                // ViT): float32 activations cannot resolve a nearly dead neuron closer
                assertEquals(m, mean[j], 1e-5 * Math.max(Math.abs(m), 1e-2 * meanScale), "block " + b + " mean " + j);
                assertEquals(v, m2[j] / count, 1e-5 * Math.max(v, 1e-2 * varScale), "block " + b + " variance " + j);
            }
        }
    }
}
