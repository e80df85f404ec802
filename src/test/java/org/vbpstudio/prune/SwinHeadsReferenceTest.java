package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.testutil.Diffs.assertRelative;
import static org.vbpstudio.testutil.Diffs.maxDiff;

import ai.djl.ndarray.NDManager;
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
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.SwinConfig;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.AttentionStatsHook;
import org.vbpstudio.testutil.Python;
import org.vbpstudio.testutil.RandomSwin;
import org.vbpstudio.testutil.UnseenModels;

/**
 * Swin head pruning against src/test/resources/python/swin_heads_reference.py (float64 torch, windows
 * cut one by one, written from the math): on random Swins in timm and Hugging Face layouts (three
 * stages at 24 px with window 6: shifted windows, a grid equal to the window, a grid smaller than it;
 * two stages at 32 px with window 4, both shifted), the attention outputs' statistics the Java pass
 * collects equal the reference's, and {@link HeadSurgery}'s exports with the reference's means
 * reproduce its pruned logits; a head-pruned Hugging Face checkpoint loads to the same model.
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

            ActivationStats attention = new ActivationStats(IntStream.range(0, cfg.depth()).map(cfg::attentionDim).toArray());
            try (Network n = m.instantiate(manager); AttentionStatsHook hook = new AttentionStatsHook(MlpHook.NONE, attention)) {
                n.logits(x, IMAGES, hook);
            }
            double[][] means = new double[cfg.depth()][];
            for (int b = 0; b < cfg.depth(); b++) {
                String k = "blocks." + b + ".attn.";
                means[b] = ref.doubles(k + "mean");
                assertEquals((long) ref.doubles(k + "count")[0], attention.count(b), c.name());
                assertRelative(means[b], attention.mean(b), 1e-5, c.name() + " block " + b + " mean");
                assertRelative(ref.doubles(k + "m2"), attention.m2(b), 1e-5, c.name() + " block " + b + " m2");
            }

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

    private static SafeTensors reference(Case c, float[] x) throws IOException {
        SwinConfig cfg = (SwinConfig) ModelLoader.load(c.dir()).config();
        Path in = tmp.resolve(c.name() + "-x.safetensors");
        Path remove = tmp.resolve(c.name() + "-remove.json");
        Path out = tmp.resolve(c.name() + "-ref.safetensors");
        SafeTensors.writer().add("x", new long[] {IMAGES, cfg.inChans(), cfg.imgSize(), cfg.imgSize()}, x).write(in);
        Files.writeString(remove, c.remove());
        Python.Result r = Python.run(List.of(SCRIPT.toString(), c.dir().toString(), in.toString(), remove.toString(),
                out.toString()), 300);
        assertEquals(0, r.code(), c.name() + ": " + r.err());
        return SafeTensors.open(out);
    }
}
