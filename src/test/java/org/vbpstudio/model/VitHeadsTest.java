package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.testutil.HeadSlices;
import org.vbpstudio.testutil.UnseenModels;

/**
 * Per-block attention heads: the cost model, the forward pass (a cut model computes what the full
 * model computes with the removed heads' proj columns zeroed), config.json's per-block num_heads
 * with head_dim, and the one-line refusals of configs that contradict the tensors.
 */
class VitHeadsTest {
    private static final int[][] KEEP = {{0, 2}, {3}, {0, 1, 2, 3}};
    private static final int[][] KEEP_DISTILLED = {{1}, {0, 1}};

    @TempDir
    static Path tmp;
    private static NDManager manager;

    @BeforeAll
    static void engine() {
        manager = Engines.newManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /** DeiT-Tiny/224 with two of its three heads in every block (the figure worked out by hand). */
    @Test
    void deitTinyWithOneHeadRemovedPerBlock() {
        VitConfig full = VitConfig.deitTiny();
        int[] two = new int[12];
        Arrays.fill(two, 2);
        VitConfig c = full.withBlockHeads(two);
        assertEquals(1_082_605_248L, CostModel.totalMacs(c));
        assertEquals(5_125_288L, CostModel.totalParams(c));
        long params = c.parameterShapes().values().stream()
                .mapToLong(s -> Arrays.stream(s).reduce(1, Math::multiplyExact)).sum();
        assertEquals(5_125_288L, params, "parameterShapes");
        FamilyCost cost = Families.cost(full);
        assertEquals(CostModel.totalMacs(full) - 12 * cost.macsPerHead(0), CostModel.totalMacs(c), "macsPerHead");
        assertEquals(CostModel.totalParams(full) - 12 * cost.paramsPerHead(0), CostModel.totalParams(c), "paramsPerHead");
    }

    @Test
    void cutModelComputesWhatTheFullModelWithSilencedHeadsComputes() {
        for (boolean distilled : new boolean[] {false, true}) {
            VitConfig full = config(distilled);
            int[][] keep = distilled ? KEEP_DISTILLED : KEEP;
            ModelWeights w = UnseenModels.randomWeights(full, 5);
            VitConfig cut = full.withBlockHeads(HeadSlices.counts(keep));
            float[] x = UnseenModels.randomPixels(full, 3, 9);
            float[] expected = logits(full, HeadSlices.silence(full, w, keep), x);
            float[] actual = logits(cut, HeadSlices.cut(full, w, keep), x);
            assertClose(expected, actual, 1e-5);
            assertFalse(maxDiff(expected, logits(full, w, x)) < 1e-3, "the removed heads mattered");
        }
    }

    @Test
    void exportRoundTripsPerBlockHeads() throws IOException {
        VitConfig full = config(false);
        ModelWeights w = UnseenModels.randomWeights(full, 6);
        VitConfig cut = full.withBlockHeads(HeadSlices.counts(KEEP));
        Path dir = write(tmp.resolve("round-trip"), cut, HeadSlices.cut(full, w, KEEP));
        JsonObject args = config(dir).getAsJsonObject("model_args");
        assertEquals("[2,1,4]", args.get("num_heads").toString());
        assertEquals(8, args.get("head_dim").getAsInt());
        LoadedModel m = ModelLoader.load(dir);
        assertEquals(cut, m.config());
        assertArrayEquals(new int[] {2, 1, 4}, ((VitConfig) m.config()).blockHeads());
        assertEquals(4, ((VitConfig) m.config()).numHeads());
    }

    /** An unpruned model keeps writing one int, as before; older configs load unchanged. */
    @Test
    void unprunedExportsKeepOneInt() throws IOException {
        VitConfig full = config(false);
        Path dir = write(tmp.resolve("unpruned"), full, UnseenModels.randomWeights(full, 7));
        JsonObject args = config(dir).getAsJsonObject("model_args");
        assertEquals(4, args.get("num_heads").getAsInt());
        assertFalse(args.has("head_dim"));
        assertArrayEquals(new int[] {4, 4, 4}, ((VitConfig) ModelLoader.load(dir).config()).blockHeads());
    }

    /** An int num_heads fixes d_h = D / num_heads; the tensors then say how many heads each block kept. */
    @Test
    void intNumHeadsWithCutTensorsInfersEachBlock() throws IOException {
        Path dir = cutExport("infer", a -> {
            a.addProperty("num_heads", 4);
            a.remove("head_dim");
        });
        assertArrayEquals(new int[] {2, 1, 4}, ((VitConfig) ModelLoader.load(dir).config()).blockHeads());
    }

    @Test
    void contradictionsAreRefusedInOneLineNamingTheFile() throws IOException {
        assertRefused(cutExport("no-head-dim", a -> a.remove("head_dim")), "add model_args.head_dim");
        assertRefused(cutExport("wrong-list", a -> a.add("num_heads", JsonParser.parseString("[2,2,4]"))),
                "model_args.num_heads [2, 2, 4] contradicts the attention tensors, which hold [2, 1, 4]");
        assertRefused(cutExport("odd-head-dim", a -> a.addProperty("head_dim", 5)), "does not divide embed_dim 32");
        assertRefused(cutExport("big-head-dim", a -> {
            a.addProperty("head_dim", 16);
            a.remove("num_heads");
        }), "blocks.1.attn.proj.weight has 8 input channels: not 1 to 2 heads of width 16");
        assertRefused(cutExport("both", a -> {
            a.addProperty("num_heads", 2);
            a.addProperty("head_dim", 8);
        }), "model_args.head_dim 8 contradicts num_heads 2");
    }

    @Test
    void qkvRowsMustBeThriceProjColumns() throws IOException {
        VitConfig full = config(false);
        ModelWeights w = HeadSlices.cut(full, UnseenModels.randomWeights(full, 8), KEEP);
        VitConfig cut = full.withBlockHeads(HeadSlices.counts(KEEP));
        Path dir = write(tmp.resolve("qkv-mismatch"), cut, w);
        ModelWeights bad = w.copy();
        bad.put("blocks.0.attn.proj.weight", w.get("blocks.2.attn.proj.weight"));
        org.vbpstudio.io.SafeTensors.Writer sw = org.vbpstudio.io.SafeTensors.writer();
        for (String n : cut.parameterShapes().keySet()) {
            sw.add(n, bad.get(n).shape(), bad.get(n).data());
        }
        sw.write(dir.resolve(ModelLoader.WEIGHTS));
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(dir));
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains(
                "blocks.0.attn.qkv.weight has 48 rows but attn.proj.weight 32 columns"), e.getMessage());
    }

    static VitConfig config(boolean distilled) {
        int depth = distilled ? 2 : 3;
        int[] widths = new int[depth];
        Arrays.fill(widths, 40);
        return new VitConfig(distilled ? "deit_heads_test" : "vit_heads_test", 16, 4, 3, 32, 4, widths, 5, distilled,
                1e-6, Pooling.TOKEN);
    }

    private float[] logits(VitConfig cfg, ModelWeights w, float[] x) {
        try (Network n = new Network(cfg, w, manager)) {
            return n.logits(x, 3, MlpHook.NONE);
        }
    }

    private Path cutExport(String name, Consumer<JsonObject> editArgs) throws IOException {
        VitConfig full = config(false);
        ModelWeights w = UnseenModels.randomWeights(full, 6);
        Path dir = write(tmp.resolve(name), full.withBlockHeads(HeadSlices.counts(KEEP)), HeadSlices.cut(full, w, KEEP));
        JsonObject json = config(dir);
        editArgs.accept(json.getAsJsonObject("model_args"));
        Files.writeString(dir.resolve(ModelLoader.CONFIG), json.toString());
        return dir;
    }

    private static void assertRefused(Path dir, String expected) {
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve("config.json").toString()) || e.getMessage().contains("config.json"),
                e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    private static Path write(Path dir, VitConfig cfg, ModelWeights w) throws IOException {
        Files.createDirectories(dir);
        Preprocessing prep = Preprocessing.timm(3, cfg.imgSize(), 0.9, new float[] {0.5f, 0.5f, 0.5f},
                new float[] {0.25f, 0.25f, 0.25f});
        ModelWriter.write(dir, cfg, w, prep, UnseenModels.labels(cfg.numClasses()), Map.of());
        return dir;
    }

    private static JsonObject config(Path dir) throws IOException {
        return JsonParser.parseString(Files.readString(dir.resolve(ModelLoader.CONFIG))).getAsJsonObject();
    }

    private static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static void assertClose(float[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length);
        assertTrue(maxDiff(expected, actual) <= tol, "max difference " + maxDiff(expected, actual));
    }
}
