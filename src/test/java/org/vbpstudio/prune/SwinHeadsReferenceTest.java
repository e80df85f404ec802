package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.testutil.Diffs.maxDiff;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.SwinConfig;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.AttentionStatsHook;
import org.vbpstudio.stats.StatsFile;
import org.vbpstudio.stats.StatsHook;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Python;
import org.vbpstudio.testutil.RandomSwin;
import org.vbpstudio.testutil.UnseenModels;

/**
 * Swin head pruning against src/test/resources/python/swin_heads_reference.py (float64 torch, windows
 * cut one by one, written from the math): on random Swins in timm and Hugging Face layouts (three
 * stages at 24 px with window 6: shifted windows, a grid equal to the window, a grid smaller than it;
 * two stages at 32 px with window 4, both shifted), the attention outputs' statistics the Java pass
 * collects equal the reference's, and {@link HeadSurgery}'s exports with the reference's means
 * reproduce its pruned logits; a head-pruned Hugging Face checkpoint loads to the same model; and
 * {@code prune --global --heads} exports (heads and neurons ranked together, by a ratio and by a MAC
 * target) reproduce the reference's logits for the choice they report.
 */
class SwinHeadsReferenceTest {
    private static final int IMAGES = 3;
    private static final Path SCRIPT = Path.of("src/test/resources/python/swin_heads_reference.py");

    @TempDir
    static Path tmp;
    private static NDManager manager;

    record Case(String name, Path dir, String remove, int[][] kept) {}

    private static List<Case> cases;

    @BeforeAll
    static void models() throws IOException {
        manager = Engines.newManager();
        SwinConfig three = RandomSwin.config("swin_heads_ref", 24, new int[] {2, 2, 2}, new int[] {2, 2, 4}, 6);
        SwinConfig two = RandomSwin.config("swin_heads_ref2", 32, new int[] {2, 2}, new int[] {2, 4}, 4);
        cases = List.of(
                new Case("timm-three", RandomSwin.timm(tmp.resolve("timm-three"), three, UnseenModels.randomWeights(three, 41)),
                        "{\"0\": [1], \"1\": [0], \"3\": [1], \"4\": [0, 3], \"5\": [2]}",
                        new int[][] {{0}, {1}, {0, 1}, {0}, {1, 2}, {0, 1, 3}}),
                new Case("hf-three", RandomSwin.hf(tmp.resolve("hf-three"), three, UnseenModels.randomWeights(three, 42)),
                        "{\"1\": [1], \"2\": [0], \"5\": [0, 1, 2]}",
                        new int[][] {{0, 1}, {0}, {1}, {0, 1}, {0, 1, 2, 3}, {3}}),
                new Case("timm-two", RandomSwin.timm(tmp.resolve("timm-two"), two, UnseenModels.randomWeights(two, 43)),
                        "{\"1\": [0], \"2\": [1, 2], \"3\": [3]}", new int[][] {{0, 1}, {1}, {0, 3}, {0, 1, 2}}));
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void statisticsAndPrunedExportsMatchTheReference() throws IOException {
        Python.require("torch");
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            LoadedModel m = ModelLoader.load(c.dir());
            SwinConfig cfg = (SwinConfig) m.config();
            float[] x = UnseenModels.randomPixels(cfg, IMAGES, c.name().hashCode());
            SafeTensors ref = reference(c, x);

            double[][] means = AttentionReference.assertStatisticsMatch(m, x, IMAGES, ref, manager, c.name());

            HeadSurgery.Result<SwinConfig> r = HeadSurgery.apply(cfg, m.weights(), c.kept(), means);
            assertArrayEquals(Arrays.stream(c.kept()).mapToInt(k -> k.length).toArray(), r.config().blockHeads());
            List<Path> exports = new ArrayList<>(List.of(RandomSwin.timm(tmp.resolve(c.name() + "-pruned"), r.config(),
                    r.weights())));
            if (c.name().startsWith("hf")) {
                exports.add(RandomSwin.hf(tmp.resolve(c.name() + "-pruned-hf"), r.config(), r.weights()));
            }
            float[] expected = ref.floatsOfShape("logits", IMAGES, cfg.numClasses());
            for (Path out : exports) {
                LoadedModel pruned = ModelLoader.load(out);
                assertArrayEquals(r.config().blockHeads(), pruned.config().blockHeads(), out.toString());
                try (Network n = pruned.instantiate(manager)) {
                    double diff = maxDiff(expected, n.logits(x, IMAGES, MlpHook.NONE));
                    if (diff > 1e-3) {
                        failures.add(out.getFileName() + ": max |logit difference| " + diff);
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    /**
     * {@code prune --global --heads} (a joint ratio, and a MAC target that must land in [0.595, 0.6])
     * with statistics on the images: the reference, told which heads and neurons the export's
     * report.json removed, compensates them from its own statistics and must give the export's logits.
     */
    @Test
    void jointGlobalExportsMatchTheReference() throws IOException {
        Python.require("torch");
        List<String> failures = new ArrayList<>();
        for (Case c : cases.subList(0, 2)) {
            LoadedModel m = ModelLoader.load(c.dir());
            SwinConfig cfg = (SwinConfig) m.config();
            float[] x = UnseenModels.randomPixels(cfg, IMAGES, c.name().hashCode());
            Path stats = statsOn(m, x, tmp.resolve(c.name() + "-stats.safetensors"));
            for (List<String> amount : List.of(List.of("--ratio", "0.3"), List.of("--target-macs", "0.6"))) {
                String name = c.name() + "-joint" + amount.get(0);
                Path out = tmp.resolve(name);
                List<String> args = new ArrayList<>(List.of("prune", "--model", c.dir().toString(), "--stats",
                        stats.toString(), "--global", "--heads", "--output", out.toString()));
                args.addAll(amount);
                Cli.Run run = Cli.run(args.toArray(String[]::new));
                assertEquals(0, run.code(), name + ": " + run.err());
                SwinConfig pruned = (SwinConfig) ModelLoader.load(out).config();
                assertTrue(pruned.headsPruned(), name + " removed no head");
                assertTrue(pruned.totalHidden() < cfg.totalHidden(), name + " removed no neuron");
                double kept = (double) CostModel.totalMacs(pruned) / CostModel.totalMacs(cfg);
                if (amount.get(0).equals("--target-macs")) {
                    assertTrue(kept >= 0.595 && kept <= 0.6, name + " keeps " + kept + " of the MACs");
                }
                SafeTensors ref = reference(name, c.dir(), x, removedBy(out, cfg).toString());
                try (Network n = ModelLoader.load(out).instantiate(manager)) {
                    double diff = maxDiff(ref.floatsOfShape("logits", IMAGES, cfg.numClasses()),
                            n.logits(x, IMAGES, MlpHook.NONE));
                    if (diff > 1e-3) {
                        failures.add(name + ": max |logit difference| " + diff);
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    /** The unpruned model's statistics on {@code x}, MLPs and attention outputs, as a statistics file. */
    private static Path statsOn(LoadedModel m, float[] x, Path file) {
        SwinConfig cfg = (SwinConfig) m.config();
        ActivationStats mlp = new ActivationStats(cfg.mlpHiddenDims());
        ActivationStats attention = new ActivationStats(IntStream.range(0, cfg.depth()).map(cfg::attentionDim).toArray());
        try (Network n = m.instantiate(manager)) {
            n.logits(x, IMAGES, new AttentionStatsHook(new StatsHook(mlp), attention));
        }
        mlp.addImages(IMAGES);
        attention.addImages(IMAGES);
        StatsFile.write(file, mlp.withAttention(attention), m.fingerprint());
        return file;
    }

    /** {"heads": {b: removed}, "neurons": {b: removed}} from an export's report.json. */
    private static JsonObject removedBy(Path export, SwinConfig original) throws IOException {
        JsonObject report = JsonParser.parseString(Files.readString(export.resolve("report.json"))).getAsJsonObject();
        JsonObject heads = new JsonObject();
        JsonObject neurons = new JsonObject();
        JsonArray blocks = report.getAsJsonArray("blocks");
        for (int b = 0; b < blocks.size(); b++) {
            JsonObject block = blocks.get(b).getAsJsonObject();
            heads.add(Integer.toString(b), complement(block.getAsJsonArray("heads_kept"), original.numHeads(b)));
            neurons.add(Integer.toString(b), complement(block.getAsJsonArray("kept"), original.mlpHiddenDim(b)));
        }
        JsonObject spec = new JsonObject();
        spec.add("heads", heads);
        spec.add("neurons", neurons);
        return spec;
    }

    private static JsonArray complement(JsonArray kept, int width) {
        boolean[] in = new boolean[width];
        kept.forEach(k -> in[k.getAsInt()] = true);
        JsonArray a = new JsonArray();
        IntStream.range(0, width).filter(j -> !in[j]).forEach(a::add);
        return a;
    }

    private static SafeTensors reference(Case c, float[] x) throws IOException {
        return reference(c.name(), c.dir(), x, c.remove());
    }

    private static SafeTensors reference(String name, Path model, float[] x, String removeJson) throws IOException {
        SwinConfig cfg = (SwinConfig) ModelLoader.load(model).config();
        Path in = tmp.resolve(name + "-x.safetensors");
        Path remove = tmp.resolve(name + "-remove.json");
        Path out = tmp.resolve(name + "-ref.safetensors");
        SafeTensors.writer().add("x", new long[] {IMAGES, cfg.inChans(), cfg.imgSize(), cfg.imgSize()}, x).write(in);
        Files.writeString(remove, removeJson);
        Python.Result r = Python.run(List.of(SCRIPT.toString(), model.toString(), in.toString(), remove.toString(),
                out.toString()), 300);
        assertEquals(0, r.code(), name + ": " + r.err());
        return SafeTensors.open(out);
    }
}
