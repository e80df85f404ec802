package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Progress;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.Calibration;
import org.vbpstudio.stats.SecondMoments;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.testutil.ImageRange;
import org.vbpstudio.testutil.RefitReference;

/**
 * The least-squares refit of fc2 against a plain-Java solution of its normal equations, built from
 * hidden activations captured on a forward pass of vit-micro (timm and Hugging Face layouts): the
 * sums, the solve, the residuals, the identity when nothing is removed, and merging.
 */
class RefitTest {
    private static NDManager manager;
    private static final int IMAGES = 30;

    @BeforeAll
    static void open() {
        manager = Engines.newManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static LoadedModel model(String layout) {
        return ModelLoader.load(layout.equals("timm") ? Fixture.TIMM : Fixture.HF);
    }

    static ActivationStats calibrate(LoadedModel m, ImageSource images, int batch) {
        return Calibration.calibrate(m, images, batch, Progress.NONE, false, true);
    }

    static int[] everyThird(int h) {
        return IntStream.range(0, h).filter(j -> j % 3 != 1).toArray();
    }

    static double maxAbs(double[] a) {
        return Arrays.stream(a).map(Math::abs).max().orElse(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"timm", "hf"})
    void secondMomentsAreTheSumsOfTheCapturedActivations(String layout) {
        LoadedModel m = model(layout);
        SecondMoments s = calibrate(m, ImageSources.open(Fixture.IMAGES), 7).secondMoments();
        double[][][] h = RefitReference.hidden(m, manager);
        for (int b = 0; b < m.config().depth(); b++) {
            double[][] ref = RefitReference.gram(h[b]);
            assertEquals(IMAGES * 17, s.count(b));
            double worst = 0;
            double scale = 0;
            for (int i = 0; i < ref.length; i++) {
                for (int j = 0; j < ref.length; j++) {
                    worst = Math.max(worst, Math.abs(ref[i][j] - s.get(b, i, j)));
                    scale = Math.max(scale, Math.abs(ref[i][j]));
                }
            }
            assertTrue(worst <= 1e-5 * scale, layout + " block " + b + ": " + worst + " of " + scale);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"timm", "hf"})
    void refitSolvesTheNormalEquations(String layout) {
        LoadedModel m = model(layout);
        SecondMoments s = calibrate(m, ImageSources.open(Fixture.IMAGES), 32).secondMoments();
        double[][][] h = RefitReference.hidden(m, manager);
        for (int b = 0; b < m.config().depth(); b++) {
            HostTensor w2 = m.weights().get("blocks." + b + ".mlp.fc2.weight");
            HostTensor b2 = m.weights().get("blocks." + b + ".mlp.fc2.bias");
            int d = (int) w2.dim(0);
            int[] keep = b == 1 ? new int[] {5} : everyThird((int) w2.dim(1));
            for (double ridge : new double[] {1e-3, 0.5}) {
                double[][] ref = RefitReference.solve(RefitReference.gram(h[b]), keep, w2.data(), b2.data(), d, ridge);
                Refit.Fc2 fc2 = Refit.fc2(w2, b2, keep, s, b, ridge);
                double scale = Arrays.stream(ref).mapToDouble(RefitTest::maxAbs).max().orElseThrow();
                for (int i = 0; i <= keep.length; i++) {
                    for (int r = 0; r < d; r++) {
                        double got = i < keep.length ? fc2.weight().data()[r * keep.length + i] : fc2.bias().data()[r];
                        assertEquals(ref[i][r], got, 1e-4 * scale, layout + " block " + b + " λ " + ridge
                                + " row " + i);
                    }
                }
            }
        }
    }

    @Test
    void removingNothingWithAVanishingRidgeGivesTheOriginalModel() {
        LoadedModel m = model("timm");
        ActivationStats stats = calibrate(m, ImageSources.open(Fixture.IMAGES), 32);
        int depth = m.config().depth();
        ModelWeights w = m.weights().copy();
        for (int b = 0; b < depth; b++) {
            int h = m.config().mlpHiddenDim(b);
            Surgery.refittedBlock(m.config(), m.weights(), b, IntStream.range(0, h).toArray(), stats.secondMoments(), 1e-12)
                    .putInto(m.config(), w, b);
            float[] before = m.weights().get("blocks." + b + ".mlp.fc2.weight").data();
            float[] after = w.get("blocks." + b + ".mlp.fc2.weight").data();
            for (int i = 0; i < before.length; i++) {
                assertEquals(before[i], after[i], 1e-4, "block " + b + " fc2.weight[" + i + "]");
            }
        }
        float[] original;
        float[] refitted;
        try (Network a = m.instantiate(manager);
                Network r = m.with(m.config(), w, m.directory()).instantiate(manager)) {
            original = a.logits(Fixture.imagenetPixels(), IMAGES, org.vbpstudio.model.MlpHook.NONE);
            refitted = r.logits(Fixture.imagenetPixels(), IMAGES, org.vbpstudio.model.MlpHook.NONE);
        }
        for (int i = 0; i < original.length; i++) {
            assertEquals(original[i], refitted[i], 1e-4, "logit " + i);
        }
    }

    /** Residuals from S in closed form equal those of the outputs computed token by token. */
    @Test
    void residualsEqualThoseOfTheOutputsTokenByToken() {
        LoadedModel m = model("timm");
        SecondMoments s = calibrate(m, ImageSources.open(Fixture.IMAGES), 32).secondMoments();
        double[][][] h = RefitReference.hidden(m, manager);
        int b = 2;
        HostTensor w2 = m.weights().get("blocks." + b + ".mlp.fc2.weight");
        HostTensor b2 = m.weights().get("blocks." + b + ".mlp.fc2.bias");
        int hid = (int) w2.dim(1);
        int d = (int) w2.dim(0);
        int[] keep = everyThird(hid);
        Refit.Fc2 fc2 = Refit.fc2(w2, b2, keep, s, b, 1e-3);
        double[][] y = new double[h[b].length][d];
        double[] mean = new double[d];
        double error = 0;
        for (int t = 0; t < h[b].length; t++) {
            for (int r = 0; r < d; r++) {
                double full = b2.data()[r];
                for (int j = 0; j < hid; j++) {
                    full += w2.data()[r * hid + j] * h[b][t][j];
                }
                double pruned = fc2.bias().data()[r];
                for (int i = 0; i < keep.length; i++) {
                    pruned += fc2.weight().data()[r * keep.length + i] * h[b][t][keep[i]];
                }
                y[t][r] = full;
                mean[r] += full / h[b].length;
                error += (full - pruned) * (full - pruned);
            }
        }
        double variance = 0;
        for (double[] row : y) {
            for (int r = 0; r < d; r++) {
                variance += (row[r] - mean[r]) * (row[r] - mean[r]);
            }
        }
        double residual = Refit.relativeResidual(w2, b2, keep, fc2.weight(), fc2.bias(), s, b);
        assertEquals(error / variance, residual, 1e-4 * (error / variance));
        assertTrue(residual > 0 && residual < 1, "a refit from two thirds of the neurons: " + residual);
    }

    @Test
    void secondMomentsOfTwoShardsMergeIntoThoseOfOnePass() {
        LoadedModel m = model("timm");
        ImageSource all = ImageSources.open(Fixture.IMAGES);
        ActivationStats whole = calibrate(m, all, 32);
        ActivationStats first = calibrate(m, new ImageRange(all, 0, 13), 5);
        ActivationStats second = calibrate(m, new ImageRange(all, 13, all.size()), 4);
        first.merge(second);
        assertTrue(first.hasSecondMoments());
        for (int b = 0; b < m.config().depth(); b++) {
            int side = m.config().mlpHiddenDim(b) + 1;
            for (int i = 0; i < side; i++) {
                for (int j = 0; j < side; j++) {
                    double e = whole.secondMoments().get(b, i, j);
                    assertEquals(e, first.secondMoments().get(b, i, j), 1e-9 * Math.max(1, Math.abs(e)),
                            "block " + b + " S[" + i + "][" + j + "]");
                }
            }
        }
        ActivationStats without = Calibration.calibrate(m, new ImageRange(all, 0, 13), 5, Progress.NONE);
        without.merge(second);
        assertTrue(!without.hasSecondMoments(), "a sum over only some of the shards is no sum at all");
    }

    @Test
    void aNegativeOrNonFiniteRidgeIsRefused() {
        LoadedModel m = model("timm");
        SecondMoments s = new SecondMoments(m.config().mlpHiddenDims());
        HostTensor w2 = m.weights().get("blocks." + 0 + ".mlp.fc2.weight");
        HostTensor b2 = m.weights().get("blocks." + 0 + ".mlp.fc2.bias");
        for (double bad : new double[] {-1e-3, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> Refit.fc2(w2, b2, new int[] {0}, s, 0, bad));
        }
    }
}
