package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Progress;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.Calibration;
import org.vbpstudio.stats.StatsFile;
import org.vbpstudio.testutil.Fixture;

/**
 * The wifv, wanda and taylor scores on vit-micro, recomputed independently: wifv and wanda from
 * the raw fc2 weights (read from the safetensors file) and PyTorch's reference statistics
 * (expected.json) in plain double loops; taylor's gradient by central finite differences of the
 * summed cross-entropy in the neuron's gate.
 */
class CriterionScoresTest {
    private static final int H = 192;
    private static final int D = 48;
    private static LoadedModel timm;
    private static ActivationStats stats;
    private static NDManager manager;

    @TempDir
    Path tmp;

    @BeforeAll
    static void calibrate() {
        timm = ModelLoader.load(Fixture.TIMM);
        ImageSource images = ClassMapping.relabel(ImageSources.open(Fixture.IMAGES), timm.labels());
        stats = Calibration.calibrate(timm, images, 7, Progress.NONE, true); // 30 = 4 × 7 + 2: uneven batches
        manager = Engines.newManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /** fc2.weight of block b as [D][H] straight from the file. */
    static double[][] fc2(int b) {
        float[] w = SafeTensors.open(Fixture.TIMM.resolve("model.safetensors"))
                .floatsOfShape("blocks." + b + ".mlp.fc2.weight", D, H);
        double[][] m = new double[D][H];
        for (int i = 0; i < D; i++) {
            for (int j = 0; j < H; j++) {
                m[i][j] = w[i * H + j];
            }
        }
        return m;
    }

    static double[] reference(String key, int b) {
        JsonArray a = Fixture.expected().getAsJsonArray(key).get(b).getAsJsonArray();
        double[] v = new double[a.size()];
        for (int j = 0; j < v.length; j++) {
            v[j] = a.get(j).getAsDouble();
        }
        return v;
    }

    static void assertRelClose(double[] expected, double[] actual, double rel, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = Arrays.stream(expected).map(Math::abs).max().orElse(1);
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], actual[j], rel * scale, what + "[" + j + "]");
        }
    }

    @Test
    void wifvIsVarianceTimesSquaredColumnNorm() {
        double[][] s = Criterion.WIFV.importance(0).scores(timm.weights(), timm.config(), stats);
        for (int b = 0; b < 3; b++) {
            double[][] w = fc2(b);
            double[] var = reference("mlp_var", b);
            double[] expected = new double[H];
            for (int j = 0; j < H; j++) {
                double norm2 = 0;
                for (int i = 0; i < D; i++) {
                    norm2 += w[i][j] * w[i][j];
                }
                expected[j] = var[j] * norm2;
            }
            assertRelClose(expected, s[b], 1e-4, "wifv block " + b);
        }
    }

    @Test
    void wandaIsMeanAbsColumnTimesRootMeanSquare() {
        double[][] s = Criterion.WANDA.importance(0).scores(timm.weights(), timm.config(), stats);
        for (int b = 0; b < 3; b++) {
            double[][] w = fc2(b);
            double[] var = reference("mlp_var", b);
            double[] mean = reference("mlp_mean", b);
            double[] expected = new double[H];
            for (int j = 0; j < H; j++) {
                double abs = 0;
                for (int i = 0; i < D; i++) {
                    abs += Math.abs(w[i][j]);
                }
                expected[j] = abs / D * Math.sqrt(var[j] + mean[j] * mean[j]);
            }
            assertRelClose(expected, s[b], 1e-4, "wanda block " + b);
        }
    }

    /** Σ over the 30 images of −log softmax(logits)[label], in double from the model's logits. */
    static double loss(int block, int neuron, double gate) {
        float[] pixels = Fixture.imagenetPixels();
        JsonArray labels = Fixture.expected().getAsJsonArray("labels");
        float[] logits;
        try (Network vit = timm.instantiate(manager)) {
            logits = vit.logits(pixels, 30, (b, hidden) -> {
                if (b != block) {
                    return hidden;
                }
                float[] g = new float[H];
                Arrays.fill(g, 1f);
                g[neuron] = (float) gate;
                try (NDArray scale = hidden.getManager().create(g)) {
                    return hidden.mul(scale);
                }
            });
        }
        double sum = 0;
        for (int i = 0; i < 30; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < 5; k++) {
                max = Math.max(max, logits[i * 5 + k]);
            }
            double z = 0;
            for (int k = 0; k < 5; k++) {
                z += Math.exp(logits[i * 5 + k] - max);
            }
            sum += max + Math.log(z) - logits[i * 5 + labels.get(i).getAsInt()];
        }
        return sum;
    }

    @Test
    void taylorIsTheGateGradientOfTheSummedCrossEntropy() {
        double[][] s = Criterion.TAYLOR.importance(0).scores(timm.weights(), timm.config(), stats);
        double eps = 0.05; // the loss is smooth in the gate; float32 logits limit smaller steps
        for (int b = 0; b < 3; b++) {
            double[] signed = stats.taylorSum(b);
            Integer[] order = new Integer[H];
            Arrays.setAll(order, j -> j);
            Arrays.sort(order, (x, y) -> Double.compare(Math.abs(signed[y]), Math.abs(signed[x])));
            double top = Math.abs(signed[order[0]]);
            for (int r : new int[] {0, 1, 2, H / 2, H - 1}) { // the largest, a middle and the smallest
                int j = order[r];
                double fd = (loss(b, j, 1 + eps) - loss(b, j, 1 - eps)) / (2 * eps);
                assertEquals(fd, signed[j], 0.02 * Math.abs(fd) + 2e-3 * top, "block " + b + " neuron " + j);
                assertEquals(Math.abs(signed[j]), s[b][j], 0, "taylor is |sum|");
            }
        }
    }

    @Test
    void taylorSumsAreAdditiveOverBatchSizesAndSurviveTheStatsFile() throws IOException {
        ImageSource images = ClassMapping.relabel(ImageSources.open(Fixture.IMAGES), timm.labels());
        ActivationStats other = Calibration.calibrate(timm, images, 30, Progress.NONE, true);
        for (int b = 0; b < 3; b++) {
            assertRelClose(other.taylorSum(b), stats.taylorSum(b), 1e-4, "batch 30 vs 7, block " + b);
            assertArrayEquals(stats.mean(b), Calibration.calibrate(timm, images, 7, Progress.NONE).mean(b), 1e-6);
        }
        Path file = tmp.resolve("s.safetensors");
        StatsFile.write(file, stats, timm.fingerprint());
        ActivationStats back = StatsFile.read(file).stats();
        assertTrue(back.hasTaylor());
        assertArrayEquals(stats.taylorSum(2), back.taylorSum(2), 0);
        ActivationStats plain = Calibration.calibrate(timm, images, 7, Progress.NONE);
        assertFalse(plain.hasTaylor());
        ActivationStats merged = stats.copy();
        merged.merge(plain); // a sum over only some images would be wrong: none
        assertFalse(merged.hasTaylor());
        ActivationStats doubled = stats.copy();
        doubled.merge(stats);
        assertEquals(2 * stats.taylorSum(1)[5], doubled.taylorSum(1)[5], 1e-12);
    }

    @Test
    void taylorRefusesUnlabelledImagesAndStatisticsWithoutGradients() throws IOException {
        Path flat = tmp.resolve("flat");
        Files.createDirectories(flat);
        Files.copy(Fixture.IMAGES.resolve("class_00/img_000.png"), flat.resolve("a.png"));
        Files.copy(Fixture.IMAGES.resolve("class_01/img_001.png"), flat.resolve("b.png"));
        BadInputException e = assertThrows(BadInputException.class,
                () -> Calibration.calibrate(timm, ImageSources.open(flat), 2, Progress.NONE, true));
        assertTrue(e.getMessage().contains("labels"), e.getMessage());
        ActivationStats plain = Calibration.calibrate(timm, ImageSources.open(flat), 2, Progress.NONE);
        PruningPlan taylor = PruningPlan.uniform(0.5, 3).withCriterion(Criterion.TAYLOR);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Pruner.prune(timm, plain, taylor));
        assertTrue(ex.getMessage().contains("labelled"), ex.getMessage());
    }

    @Test
    void newCriteriaPruneWithAndWithoutCompensation() {
        for (Criterion c : new Criterion[] {Criterion.WIFV, Criterion.WANDA, Criterion.TAYLOR}) {
            for (boolean comp : new boolean[] {true, false}) {
                Pruner.Result r = Pruner.prune(timm, stats, PruningPlan.global(0.4).withCriterion(c).withCompensation(Compensation.meanIf(comp)));
                assertEquals(Math.round(0.4 * 576), 576 - r.model().config().totalHidden(), c + " " + comp);
                double[][] sc = r.scores();
                for (int b = 0; b < 3; b++) { // removed neurons are never above a kept one globally
                    int[] removed = Selection.complement(r.kept()[b], H);
                    for (int j : removed) {
                        for (int bb = 0; bb < 3; bb++) {
                            for (int k : r.kept()[bb]) {
                                assertTrue(sc[b][j] <= sc[bb][k], c + ": removed " + b + "/" + j + " above kept");
                            }
                        }
                    }
                }
            }
        }
    }
}
