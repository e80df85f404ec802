package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Progress;
import org.vbpstudio.model.CheckpointLayout;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.Calibration;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.testutil.ImageRange;

/**
 * Variance-Based Pruning end to end against the PyTorch reference of vit-micro: statistics,
 * pruned models reloaded from their exported files, the masked preview, compensation.
 */
class PruneFixtureTest {
    static final List<String> KEYS = List.of("pruned_block_0.25", "pruned_block_0.5", "pruned_global_0.25",
            "pruned_global_0.5");

    private static NDManager manager;
    private static LoadedModel timm;
    private static LoadedModel hf;
    private static ActivationStats timmStats;
    private static ActivationStats hfStats;
    private static float[] pixels;

    @TempDir
    Path tmp;

    @BeforeAll
    static void calibrate() {
        manager = Engines.newManager();
        timm = ModelLoader.load(Fixture.TIMM);
        hf = ModelLoader.load(Fixture.HF);
        ImageSource images = ImageSources.open(Fixture.IMAGES);
        timmStats = Calibration.calibrate(timm, images, 7, Progress.NONE); // 30 = 4 × 7 + 2: uneven batches
        hfStats = Calibration.calibrate(hf, images, 32, Progress.NONE);
        pixels = Fixture.imagenetPixels();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static LoadedModel model(String layout) {
        return layout.equals("timm") ? timm : hf;
    }

    static ActivationStats stats(String layout) {
        return layout.equals("timm") ? timmStats : hfStats;
    }

    static PruningPlan plan(String key) {
        double r = Double.parseDouble(key.substring(key.lastIndexOf('_') + 1));
        return key.contains("global") ? PruningPlan.global(r) : PruningPlan.uniform(r, 3);
    }

    static Stream<Arguments> layoutsAndKeys() {
        return Stream.of("timm", "hf").flatMap(l -> KEYS.stream().map(k -> Arguments.of(l, k)));
    }

    static Stream<Arguments> timmKeysAndOneHf() {
        return Stream.concat(KEYS.stream().map(k -> Arguments.of("timm", k)), Stream.of(Arguments.of("hf", KEYS.get(3))));
    }

    static float[] logits(LoadedModel m, MlpHook hook) {
        try (Network vit = m.instantiate(manager)) {
            return vit.logits(pixels, 30, hook);
        }
    }

    /** The fingerprint of {@code m}'s weights as they are now (LoadedModel caches its own). */
    static String freshFingerprint(LoadedModel m) {
        return new LoadedModel(m.directory(), m.layout(), m.config(), m.weights(), m.preprocessing(), m.labels())
                .fingerprint();
    }

    static double maxDiff(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    // ------------------------------------------------------------------------------ statistics

    /**
     * mlp_mean / mlp_var of the reference, to 1e-5 relative (below 1% of a block's largest value,
     * relative to that 1%). The reference ran the timm model (LayerNorm eps 1e-6); the HF twin has
     * the same weights, so with timm's eps its statistics must match as closely.
     */
    @ParameterizedTest
    @ValueSource(strings = {"timm", "hf"})
    void statisticsMatchTheReference(String layout) {
        ActivationStats s = layout.equals("timm") ? timmStats : Calibration.calibrate(withTimmEps(hf),
                ImageSources.open(Fixture.IMAGES), 32, Progress.NONE);
        assertMatchesReference(s, 1e-5, layout);
    }

    /** The HF model as loaded (eps 1e-12) sees slightly different activations: 1e-4 relative. */
    @Test
    void huggingFaceStatisticsAsLoadedAreClose() {
        assertEquals(1e-12, ((VitConfig) hf.config()).layerNormEps());
        assertMatchesReference(hfStats, 1e-4, "hf (eps 1e-12)");
    }

    static void assertMatchesReference(ActivationStats s, double rel, String what) {
        assertEquals(30, s.images());
        double[][] mean = SelectionTest.matrix(Fixture.expected().getAsJsonArray("mlp_mean"));
        double[][] var = SelectionTest.matrix(Fixture.expected().getAsJsonArray("mlp_var"));
        for (int b = 0; b < 3; b++) {
            assertEquals(30L * 17, s.count(b)); // 16 patches + class token per image
            assertRelativelyClose(mean[b], s.mean(b), rel, what + " mean block " + b);
            assertRelativelyClose(var[b], s.variance(b), rel, what + " var block " + b);
        }
    }

    static LoadedModel withTimmEps(LoadedModel m) {
        VitConfig c = (VitConfig) m.config();
        return m.with(new VitConfig(c.architecture(), c.imgSize(), c.patchSize(), c.inChans(), c.embedDim(),
                c.numHeads(), c.mlpHiddenDims(), c.numClasses(), c.distilled(), 1e-6, c.globalPool()),
                m.weights(), m.directory());
    }

    static void assertRelativelyClose(double[] expected, double[] actual, double rel, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double worst = 0;
        int at = -1;
        for (int j = 0; j < expected.length; j++) {
            double err = Math.abs(expected[j] - actual[j]) / Math.max(Math.abs(expected[j]), 1e-2 * scale);
            if (err > worst) {
                worst = err;
                at = j;
            }
        }
        assertTrue(worst <= rel, what + ": relative error " + worst + " at neuron " + at + " exceeds " + rel);
    }

    @Test
    void statisticsOfTwoHalvesMergeIntoThoseOfTheWhole() {
        ImageSource all = ImageSources.open(Fixture.IMAGES);
        ActivationStats first = Calibration.calibrate(timm, new ImageRange(all, 0, 13), 5, Progress.NONE);
        ActivationStats second = Calibration.calibrate(timm, new ImageRange(all, 13, all.size()), 4, Progress.NONE);
        first.merge(second);
        assertEquals(30, first.images());
        for (int b = 0; b < 3; b++) {
            assertEquals(timmStats.count(b), first.count(b));
            assertRelativelyClose(timmStats.mean(b), first.mean(b), 1e-5, "mean block " + b);
            assertRelativelyClose(timmStats.variance(b), first.variance(b), 1e-5, "var block " + b);
        }
    }

    // ------------------------------------------------------------------- pruned, exported models

    /** The reference's pruned logits from the exported files, starting from either layout. */
    @ParameterizedTest
    @MethodSource("layoutsAndKeys")
    void exportedPrunedModelReproducesTheReference(String layout, String key) throws IOException {
        JsonObject ref = Fixture.expected().getAsJsonObject(key);
        PruningPlan plan = plan(key);
        LoadedModel source = model(layout);
        String fingerprint = freshFingerprint(source);
        Pruner.Result r = Pruner.prune(source, stats(layout), plan);
        assertEquals(fingerprint, freshFingerprint(source), "surgery modified its input");

        Path out = tmp.resolve("pruned");
        Exporter.export(out, false, r.model(), plan, r.report());
        LoadedModel back = ModelLoader.load(out);
        assertEquals(CheckpointLayout.TIMM, back.layout());
        JsonArray perBlock = ref.getAsJsonArray("pruned_per_block");
        for (int b = 0; b < 3; b++) {
            assertEquals(perBlock.get(b).getAsInt(), 192 - back.config().mlpHiddenDim(b), key + " block " + b);
        }
        assertEquals(ref.get("params").getAsLong(), back.weights().numParams());
        assertEquals(ref.get("params").getAsLong(), r.report().total().paramsAfter());
        assertEquals(Fixture.expected().get("params").getAsLong(), r.report().total().paramsBefore());
        Fixture.assertClose(Fixture.matrix(ref.getAsJsonArray("logits")), logits(back, MlpHook.NONE), 1e-4);

        assertEquals(plan, PruningPlan.read(out.resolve(Exporter.PLAN)));
        JsonObject report = JsonParser.parseString(Files.readString(out.resolve(Exporter.REPORT))).getAsJsonObject();
        assertEquals(r.report().total(), PruningReport.fromJson(report).total());
        assertEquals(fingerprint, report.get("model_fingerprint").getAsString());
        assertEquals(30, report.get("calibration_images").getAsInt());
        JsonObject config = JsonParser.parseString(Files.readString(out.resolve("config.json"))).getAsJsonObject();
        assertEquals(back.config().mlpHiddenDims().length,
                config.getAsJsonObject("model_args").getAsJsonArray("mlp_hidden_dims").size());
    }

    // -------------------------------------------------------------------------- masked preview

    @ParameterizedTest
    @MethodSource("timmKeysAndOneHf")
    void maskedModelComputesWhatThePrunedModelComputes(String layout, String key) {
        for (boolean compensation : new boolean[] {true, false}) {
            PruningPlan plan = plan(key).withCompensation(Compensation.meanIf(compensation));
            Pruner.Result r = Pruner.prune(model(layout), stats(layout), plan);
            float[] pruned = logits(r.model(), MlpHook.NONE);
            float[] masked;
            try (MaskHook hook = MaskHook.of(manager, model(layout).config(), r.kept(), stats(layout), compensation)) {
                masked = logits(model(layout), hook);
            }
            assertTrue(maxDiff(pruned, masked) < 1e-4, key + " compensation " + compensation + ": "
                    + maxDiff(pruned, masked));
        }
    }

    @Test
    void maskBlocksAreReplaceable() {
        int[][] a = Pruner.prune(timm, timmStats, plan("pruned_block_0.5")).kept();
        int[][] b = Pruner.prune(timm, timmStats, plan("pruned_global_0.25")).kept();
        try (MaskHook hook = new MaskHook(manager, timm.config(), timmStats, true)) {
            assertEquals(0.0, maxDiff(logits(timm, MlpHook.NONE), logits(timm, hook))); // starts as the identity
            hook.setAll(a);
            hook.setBlock(1, b[1]);
            int[][] mixed = {a[0], b[1], a[2]};
            float[] expected = logits(Surgery.apply(timm, mixed, timmStats, Compensation.MEAN), MlpHook.NONE);
            assertTrue(maxDiff(expected, logits(timm, hook)) < 1e-4);
            assertArrayEquals(b[1], hook.kept(1));

            hook.setCompensation(false);
            expected = logits(Surgery.apply(timm, mixed, timmStats, Compensation.NONE), MlpHook.NONE);
            assertTrue(maxDiff(expected, logits(timm, hook)) < 1e-4);

            hook.setBlock(0, null);
            hook.setBlock(2, null);
            hook.setBlock(1, null);
            assertEquals(0.0, maxDiff(logits(timm, MlpHook.NONE), logits(timm, hook)));
            assertThrows(IllegalArgumentException.class, () -> hook.setBlock(0, new int[] {3, 2}));
        }
        assertThrows(IllegalArgumentException.class, () -> new MaskHook(manager, timm.config(), null, true));
    }

    // ----------------------------------------------------------------------------- compensation

    @Test
    void compensationOffGivesOtherLogits() {
        float[] on = logits(Pruner.prune(timm, timmStats, PruningPlan.uniform(0.5, 3)).model(), MlpHook.NONE);
        float[] off = logits(Pruner.prune(timm, timmStats, PruningPlan.uniform(0.5, 3).withCompensation(Compensation.NONE)).model(),
                MlpHook.NONE);
        assertTrue(maxDiff(on, off) > 1e-2, "compensation changed the logits by only " + maxDiff(on, off));
        Fixture.assertClose(Fixture.matrix(Fixture.expected().getAsJsonObject("pruned_block_0.5")
                .getAsJsonArray("logits")), on, 1e-4);
    }

    /**
     * A neuron whose output is the same for every token (fc1 row of zeros: GELU(bias)) has zero
     * variance, goes first, and its removal changes nothing: with compensation its constant moves
     * into fc2.bias; without, a constant 0 (bias 0) contributes nothing anyway.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aConstantNeuronIsRemovedWithoutChangingTheOutput(boolean compensation) {
        ModelWeights w = timm.weights().copy();
        HostTensor fc1 = w.get("blocks.1.mlp.fc1.weight");
        int d = (int) fc1.dim(1);
        Arrays.fill(fc1.data(), 7 * d, 8 * d, 0f);
        w.get("blocks.1.mlp.fc1.bias").data()[7] = compensation ? 1.0f : 0.0f;
        LoadedModel m = timm.with(timm.config(), w, timm.directory());
        ActivationStats s = Calibration.calibrate(m, ImageSources.open(Fixture.IMAGES), 32, Progress.NONE);
        double[] var = s.variance(1);
        assertTrue(var[7] < 1e-9, "variance " + var[7]);
        for (int j = 0; j < var.length; j++) {
            assertTrue(j == 7 || var[j] > var[7]);
        }
        PruningPlan plan = PruningPlan.perBlock(0, 1.0 / 192, 0).withCompensation(Compensation.meanIf(compensation));
        Pruner.Result r = Pruner.prune(m, s, plan);
        assertArrayEquals(new int[] {192, 191, 192}, r.model().config().mlpHiddenDims());
        assertFalse(Arrays.stream(r.kept()[1]).anyMatch(j -> j == 7));
        double diff = maxDiff(logits(m, MlpHook.NONE), logits(r.model(), MlpHook.NONE));
        assertTrue(diff < 1e-5, "removing a constant neuron changed the logits by " + diff);
    }

    // ------------------------------------------------------------------------------- surgery

    @Test
    void surgeryKeepsRowsAndColumnsAndFoldsTheMeans() {
        int[][] kept = {{0, 5, 191}, IntStream.range(0, 192).toArray(), {3}};
        LoadedModel p = Surgery.apply(timm, kept, timmStats, Compensation.MEAN);
        ModelWeights in = timm.weights();
        ModelWeights out = p.weights();
        assertArrayEquals(new int[] {3, 192, 1}, p.config().mlpHiddenDims());
        HostTensor fc1 = in.get("blocks.0.mlp.fc1.weight");
        HostTensor fc2 = in.get("blocks.0.mlp.fc2.weight");
        int d = (int) fc1.dim(1);
        for (int i = 0; i < 3; i++) {
            for (int c = 0; c < d; c++) {
                assertEquals(fc1.data()[kept[0][i] * d + c], out.get("blocks.0.mlp.fc1.weight").data()[i * d + c]);
                assertEquals(fc2.data()[c * 192 + kept[0][i]], out.get("blocks.0.mlp.fc2.weight").data()[c * 3 + i]);
            }
            assertEquals(in.get("blocks.0.mlp.fc1.bias").data()[kept[0][i]], out.get("blocks.0.mlp.fc1.bias").data()[i]);
        }
        double[] mean = timmStats.mean(0);
        for (int c = 0; c < d; c++) {
            double expected = in.get("blocks.0.mlp.fc2.bias").data()[c];
            for (int j = 0; j < 192; j++) {
                if (j != 0 && j != 5 && j != 191) {
                    expected += fc2.data()[c * 192 + j] * mean[j];
                }
            }
            assertEquals(expected, out.get("blocks.0.mlp.fc2.bias").data()[c], 1e-5 * Math.max(1, Math.abs(expected)));
        }
        // an untouched block is copied as is, and nothing else changes
        assertArrayEquals(in.get("blocks.1.mlp.fc2.bias").data(), out.get("blocks.1.mlp.fc2.bias").data());
        assertArrayEquals(in.get("blocks.0.attn.qkv.weight").data(), out.get("blocks.0.attn.qkv.weight").data());
        assertTrue(in.get("blocks.1.mlp.fc2.bias").data() != out.get("blocks.1.mlp.fc2.bias").data(), "aliased");
    }

    @Test
    void surgeryChecksIndicesBeforeChangingAnything() {
        String before = freshFingerprint(timm);
        int[] all = IntStream.range(0, 192).toArray();
        for (int[][] bad : new int[][][] {
            {{2, 1}, all, all}, {{1, 1}, all, all}, {{-1}, all, all}, {{192}, all, all}, {{}, all, all},
            {all, all}, {all, all, all, all}}) {
            assertThrows(IllegalArgumentException.class, () -> Surgery.apply(timm, bad, timmStats, Compensation.MEAN));
        }
        assertThrows(IllegalArgumentException.class, () -> Surgery.apply(timm, new int[][] {{0}, all, all}, null, Compensation.MEAN));
        assertEquals(before, freshFingerprint(timm));
        assertEquals(before, ModelLoader.load(Fixture.TIMM).fingerprint());
    }

    @Test
    void prunerNeedsStatisticsForVarianceOrCompensation() {
        assertThrows(IllegalArgumentException.class, () -> Pruner.prune(timm, null, PruningPlan.global(0.5)));
        assertThrows(IllegalArgumentException.class,
                () -> Pruner.prune(timm, null, PruningPlan.global(0.5).withCriterion(Criterion.MAGNITUDE)));
        Pruner.Result r = Pruner.prune(timm, null,
                PruningPlan.global(0.5).withCriterion(Criterion.RANDOM).withCompensation(Compensation.NONE).withSeed(5));
        assertEquals(288, r.model().config().totalHidden());
        assertEquals(0, r.report().calibrationImages());
        assertThrows(IllegalArgumentException.class, () -> Pruner.prune(timm, timmStats, PruningPlan.perBlock(0.5)));
    }

    @Test
    void magnitudeAndRandomCriteriaPruneToo() {
        for (Criterion c : Criterion.values()) {
            if (c.needsGradients()) {
                continue; // CriterionScoresTest, on statistics with gradients
            }
            Pruner.Result r = Pruner.prune(timm, timmStats, PruningPlan.uniform(0.25, 3).withCriterion(c));
            assertArrayEquals(new int[] {144, 144, 144}, r.model().config().mlpHiddenDims());
            try (MaskHook hook = MaskHook.of(manager, timm.config(), r.kept(), timmStats, true)) {
                assertTrue(maxDiff(logits(r.model(), MlpHook.NONE), logits(timm, hook)) < 1e-4, c.toString());
            }
        }
        int[][] a = Pruner.prune(timm, timmStats, PruningPlan.uniform(0.25, 3).withCriterion(Criterion.RANDOM)).kept();
        int[][] v = Pruner.prune(timm, timmStats, PruningPlan.uniform(0.25, 3)).kept();
        assertNotEquals(Arrays.deepToString(a), Arrays.deepToString(v));
    }
}
