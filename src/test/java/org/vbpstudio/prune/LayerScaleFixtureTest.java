package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.testutil.Cli.run;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Progress;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.onnx.OnnxExporter;
import org.vbpstudio.model.onnx.OnnxModel;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.Calibration;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.testutil.Python;

/**
 * The LayerScale / fc_norm ViTs against the float64 reference of fixtures/deit3-micro
 * (src/test/resources/python/deit3_reference.py): timm's DeiT III (ls1/ls2.gamma,
 * no_embed_class) and an avg-pooled ViT with fc_norm. Logits, statistics, and pruned exports
 * whose logits the reference reproduces from the exported widths alone.
 */
class LayerScaleFixtureTest {
    static final Path ROOT = Path.of("src/test/resources/fixtures/deit3-micro");
    static final String IMAGES = Fixture.IMAGES.toString();
    private static JsonObject expected;
    private static NDManager manager;

    @TempDir
    Path tmp;

    @BeforeAll
    static void read() throws IOException {
        expected = JsonParser.parseString(Files.readString(ROOT.resolve("expected.json"))).getAsJsonObject();
        manager = Engines.newManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static float[] logits(LoadedModel m) {
        try (Network net = m.instantiate(manager)) {
            return net.logits(Fixture.imagenetPixels(), 30, MlpHook.NONE);
        }
    }

    @Test
    void deit3IsReadAsLayerScaleWithPatchOnlyPositions() {
        VitConfig c = (VitConfig) ModelLoader.load(ROOT.resolve("deit3")).config();
        assertTrue(c.layerScale());
        assertTrue(c.noEmbedClass());
        assertFalse(c.fcNorm());
        assertEquals(Pooling.TOKEN, c.globalPool());
        assertEquals(16, c.numPositionEmbeddings());
        assertEquals(17, c.numTokens());
        VitConfig f = (VitConfig) ModelLoader.load(ROOT.resolve("fcnorm")).config();
        assertTrue(f.fcNorm());
        assertFalse(f.layerScale() || f.noEmbedClass());
        assertEquals(Pooling.AVG, f.globalPool());
    }

    @ParameterizedTest
    @ValueSource(strings = {"deit3", "fcnorm"})
    void logitsMatchTheReference(String model) {
        float[][] ref = Fixture.matrix(expected.getAsJsonObject(model).getAsJsonArray("logits"));
        Fixture.assertClose(ref, logits(ModelLoader.load(ROOT.resolve(model))), 1e-4);
    }

    /** The ONNX graph scales the branches, adds pos_embed before the class token and norms after pooling too. */
    @ParameterizedTest
    @ValueSource(strings = {"deit3", "fcnorm"})
    void onnxExportMatchesTheReference(String model) throws IOException {
        Path file = tmp.resolve(model + ".onnx");
        OnnxExporter.write(ModelLoader.load(ROOT.resolve(model)), file);
        float[][] ref = Fixture.matrix(expected.getAsJsonObject(model).getAsJsonArray("logits"));
        try (OnnxModel onnx = OnnxModel.open(file)) {
            Fixture.assertClose(ref, onnx.logits(Fixture.imagenetPixels(), 30), 1e-4);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"deit3", "fcnorm"})
    void statisticsMatchTheReference(String model) {
        ActivationStats s = Calibration.calibrate(ModelLoader.load(ROOT.resolve(model)), ImageSources.open(Fixture.IMAGES),
                7, Progress.NONE);
        double[][] mean = SelectionTest.matrix(expected.getAsJsonObject(model).getAsJsonArray("mlp_mean"));
        double[][] var = SelectionTest.matrix(expected.getAsJsonObject(model).getAsJsonArray("mlp_var"));
        for (int b = 0; b < 3; b++) {
            assertEquals(30L * 17, s.count(b)); // class token + 16 patches, whatever pos_embed covers
            PruneFixtureTest.assertRelativelyClose(mean[b], s.mean(b), 1e-5, model + " mean block " + b);
            PruneFixtureTest.assertRelativelyClose(var[b], s.variance(b), 1e-5, model + " var block " + b);
        }
    }

    /**
     * {@code prune} per block and globally: the reference keeps, in each block, as many of its own
     * highest-variance neurons as the export has and folds the others' means; the export's logits
     * must be the reference's, and its config.json what timm's create_model needs to rebuild it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"deit3", "fcnorm"})
    @Tag("slow") // about 40 s on a busy machine (four CLI prunes, four Python references)
    void prunedExportsReproduceTheReference(String model) throws IOException {
        Python.require("torch");
        Path source = ROOT.resolve(model);
        for (List<String> how : List.of(List.of("--ratio", "0.3"), List.of("--ratio", "0.6", "--global"))) {
            Path out = tmp.resolve(model + String.join("", how));
            String[] args = new String[] {"prune", "--model", source.toString(), "--calibration", IMAGES,
                    "--output", out.toString()};
            Run r = run(concat(args, how));
            assertEquals(0, r.code(), r.err());
            LoadedModel back = ModelLoader.load(out);
            int[] widths = back.config().mlpHiddenDims();
            if (how.contains("--global")) {
                assertEquals(Math.round(0.4 * 3 * 96), Arrays.stream(widths).sum(), Arrays.toString(widths));
            } else {
                assertArrayEquals(new int[] {67, 67, 67}, widths); // 96 - round(0.3 × 96)
            }
            VitConfig before = (VitConfig) ModelLoader.load(source).config();
            VitConfig after = (VitConfig) back.config();
            assertEquals(List.of(before.layerScale(), before.noEmbedClass(), before.fcNorm(), before.globalPool()),
                    List.of(after.layerScale(), after.noEmbedClass(), after.fcNorm(), after.globalPool()));

            Path ref = tmp.resolve(model + "-reference.json");
            Python.Result py = Python.run(List.of(Path.of("src/test/resources/python/deit3_reference.py").toString(), "pruned",
                    source.toString(), out.toString(), IMAGES, ref.toString()), 300);
            assertEquals(0, py.code(), py.err());
            JsonObject refJson = JsonParser.parseString(Files.readString(ref)).getAsJsonObject();
            Fixture.assertClose(Fixture.matrix(refJson.getAsJsonArray("logits")), logits(back), 1e-3);

            JsonObject cfg = JsonParser.parseString(Files.readString(out.resolve("config.json"))).getAsJsonObject();
            JsonObject args2 = cfg.getAsJsonObject("model_args");
            if (model.equals("deit3")) {
                assertEquals(1e-6, args2.get("init_values").getAsDouble());
                assertTrue(args2.get("no_embed_class").getAsBoolean());
                assertEquals("token", args2.get("global_pool").getAsString());
                assertFalse(args2.has("fc_norm"));
            } else {
                assertFalse(args2.has("init_values") || args2.has("no_embed_class"));
                assertTrue(args2.get("fc_norm").getAsBoolean());
                assertEquals("avg", args2.get("global_pool").getAsString());
            }
        }
    }

    private static String[] concat(String[] a, List<String> b) {
        String[] out = Arrays.copyOf(a, a.length + b.size());
        for (int i = 0; i < b.size(); i++) {
            out[a.length + i] = b.get(i);
        }
        return out;
    }
}
