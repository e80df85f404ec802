package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.util.Map;
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
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.AttentionStatsHook;
import org.vbpstudio.stats.SecondMoments;
import org.vbpstudio.testutil.Python;
import org.vbpstudio.testutil.UnseenModels;

/**
 * Head pruning against src/test/resources/python/heads_reference.py (float64 torch, written from the
 * math): on random ViTs in timm layout (token and avg pooling), a distilled DeiT and a Hugging Face
 * ViT, the attention outputs' statistics the Java pass collects equal the reference's, and the
 * exports of {@link HeadSurgery} with the reference's means reproduce its pruned logits.
 */
class HeadsReferenceTest {
    private static final int IMAGES = 4;
    private static final Path SCRIPT = Path.of("src/test/resources/python/heads_reference.py");

    @TempDir
    static Path tmp;
    private static NDManager manager;

    record Case(String name, Path dir, String remove, int[][] kept) {}

    private static List<Case> cases;

    @BeforeAll
    static void models() throws IOException {
        manager = Engines.newManager();
        cases = List.of(
                new Case("timm-token", UnseenModels.timm(tmp.resolve("timm-token"), cfg("vit_ref", false, Pooling.TOKEN, 3), 31),
                        "{\"0\": [1], \"1\": [0, 3], \"2\": [1, 2, 3]}", new int[][] {{0, 2, 3}, {1, 2}, {0}}),
                new Case("timm-avg", UnseenModels.timm(tmp.resolve("timm-avg"), cfg("vit_ref_avg", false, Pooling.AVG, 2), 32),
                        "{\"1\": [2]}", new int[][] {{0, 1, 2, 3}, {0, 1, 3}}),
                new Case("timm-distilled", UnseenModels.timm(tmp.resolve("timm-distilled"), cfg("deit_ref", true, Pooling.TOKEN, 2), 33),
                        "{\"0\": [0, 1, 2], \"1\": [3]}", new int[][] {{3}, {0, 1, 2}}),
                new Case("hf-vit", UnseenModels.hf(tmp.resolve("hf-vit"), cfg("vit_ref_hf", false, Pooling.TOKEN, 2), 34),
                        "{\"0\": [2], \"1\": [0]}", new int[][] {{0, 1, 3}, {1, 2, 3}}));
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static VitConfig cfg(String arch, boolean distilled, Pooling pool, int depth) {
        int[] widths = new int[depth];
        Arrays.fill(widths, 48);
        return new VitConfig(arch, 16, 4, 3, 32, 4, widths, 5, distilled, 1e-6, pool);
    }

    @Test
    void statisticsAndPrunedExportsMatchTheReference() throws IOException {
        Python.require("torch");
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            LoadedModel m = ModelLoader.load(c.dir());
            VitConfig cfg = (VitConfig) m.config();
            float[] x = UnseenModels.randomPixels(cfg, IMAGES, c.name().hashCode());
            SafeTensors ref = reference(c, x);

            double[][] means = AttentionReference.assertStatisticsMatch(m, x, IMAGES, ref, manager, c.name());

            HeadSurgery.Result r = HeadSurgery.apply(cfg, m.weights(), c.kept(), means);
            Path out = Files.createDirectories(tmp.resolve(c.name() + "-pruned"));
            ModelWriter.write(out, r.config(), r.weights(), m.preprocessing(), m.labels(), Map.of());
            LoadedModel pruned = ModelLoader.load(out);
            assertEquals(r.config(), pruned.config());
            float[] expected = ref.floatsOfShape("logits", IMAGES, cfg.numClasses());
            try (Network n = pruned.instantiate(manager)) {
                double diff = maxDiff(expected, n.logits(x, IMAGES, MlpHook.NONE));
                if (diff > 1e-3) {
                    failures.add(c.name() + ": max |logit difference| " + diff);
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    /**
     * Refit compensation: the second moments of proj's input the Java pass collects equal the
     * reference's, and {@link HeadSurgery#refit} from the reference's moments reproduces the logits of
     * its least-squares proj (solved from the outputs themselves, not from the moments).
     */
    @Test
    void refittedExportsMatchTheReference() throws IOException {
        Python.require("torch");
        double ridge = 1e-3;
        List<String> failures = new ArrayList<>();
        for (Case c : List.of(cases.get(0), cases.get(3))) {
            Case refit = new Case(c.name() + "-refit", c.dir(), "{\"heads\": " + c.remove()
                    + ", \"compensation\": \"refit\", \"ridge\": " + ridge + "}", c.kept());
            LoadedModel m = ModelLoader.load(c.dir());
            VitConfig cfg = (VitConfig) m.config();
            float[] x = UnseenModels.randomPixels(cfg, IMAGES, c.name().hashCode());
            SafeTensors ref = reference(refit, x);

            int[] widths = IntStream.range(0, cfg.depth()).map(cfg::attentionDim).toArray();
            ActivationStats attention = ActivationStats.collectingSecondMoments(widths);
            try (Network n = m.instantiate(manager)) {
                n.logits(x, IMAGES, new AttentionStatsHook(MlpHook.NONE, attention));
            }
            SecondMoments moments = new SecondMoments(widths);
            for (int b = 0; b < cfg.depth(); b++) {
                double[] gram = ref.doubles("blocks." + b + ".attn.gram");
                moments.add(b, gram);
                int side = widths[b] + 1;
                double[] ours = attention.secondMoments().submatrix(b, IntStream.range(0, side).toArray(),
                        IntStream.range(0, side).toArray());
                assertRelative(gram, ours, 1e-5, refit.name() + " block " + b + " second moments");
            }
            HeadSurgery.Result r = HeadSurgery.refit(cfg, m.weights(), c.kept(), moments, ridge);
            try (Network n = new Network(r.config(), r.weights(), manager)) {
                double diff = maxDiff(ref.floatsOfShape("logits", IMAGES, cfg.numClasses()), n.logits(x, IMAGES, MlpHook.NONE));
                if (diff > 1e-3) {
                    failures.add(refit.name() + ": max |logit difference| " + diff);
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    /** Without compensation the bias stays; with it the pruned model must differ (the test sees the fold). */
    @Test
    void compensationChangesOnlyProjBias() {
        VitConfig cfg = cfg("vit_ref", false, Pooling.TOKEN, 2);
        var w = UnseenModels.randomWeights(cfg, 3);
        int[][] kept = {{1, 3}, {0, 1, 2, 3}};
        double[][] means = {IntStream.range(0, 32).mapToDouble(i -> 0.01 * i).toArray(), null};
        HeadSurgery.Result plain = HeadSurgery.apply(cfg, w, kept, new double[2][]);
        HeadSurgery.Result folded = HeadSurgery.apply(cfg, w, kept, means);
        float[] b0 = w.get("blocks.0.attn.proj.bias").data();
        float[] proj = w.get("blocks.0.attn.proj.weight").data();
        for (int r = 0; r < 32; r++) {
            double expected = b0[r];
            for (int c : new int[] {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23}) {
                expected += proj[r * 32 + c] * means[0][c];
            }
            assertEquals(expected, folded.weights().get("blocks.0.attn.proj.bias").data()[r], 1e-5);
            assertEquals(b0[r], plain.weights().get("blocks.0.attn.proj.bias").data()[r]);
        }
        assertEquals(List.of(48L, 32L), Arrays.stream(folded.weights().get("blocks.0.attn.qkv.weight").shape()).boxed().toList());
        assertEquals("[2, 4]", Arrays.toString(folded.config().blockHeads()));
    }

    @Test
    void badIndicesAreRefusedBeforeAnythingChanges() {
        VitConfig cfg = cfg("vit_ref", false, Pooling.TOKEN, 2);
        var w = UnseenModels.randomWeights(cfg, 3);
        float[] before = w.get("blocks.0.attn.qkv.weight").data().clone();
        for (int[][] bad : new int[][][] {{{0}, {}}, {{0}, {4}}, {{1, 0}, {0}}, {{0, 0}, {1}}, {{0}}}) {
            assertThrows(IllegalArgumentException.class, () -> HeadSurgery.apply(cfg, w, bad, new double[2][]));
        }
        assertThrows(IllegalArgumentException.class, () -> HeadSurgery.apply(cfg, w, new int[][] {{0}, {0}},
                new double[][] {new double[31], null}));
        assertTrue(Arrays.equals(before, w.get("blocks.0.attn.qkv.weight").data()));
    }

    private static SafeTensors reference(Case c, float[] x) throws IOException {
        VitConfig cfg = (VitConfig) ModelLoader.load(c.dir()).config();
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
