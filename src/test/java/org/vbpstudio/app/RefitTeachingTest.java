package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.neurons.NeuronsViewModel;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.testutil.RefitReference;

/**
 * Calibrating "For refit" collects the second moments, and the inspector's residuals of mean
 * compensation and of the refit equal those of the outputs computed token by token from captured
 * activations (means, the refit's solve and the variance all redone in plain double loops).
 */
class RefitTeachingTest {
    @Test
    void residualsOfMeanCompensationAndOfTheRefitMatchTokenByToken() {
        try (FixtureStudio studio = new FixtureStudio().open(); NDManager manager = Engines.newManager()) {
            studio.vm.calibration().refitProperty().set(true);
            studio.calibrate();
            PruningPlan plan = PruningPlan.perBlock(0.3, 0.6, 0.45);
            studio.vm.pruning().apply(plan);
            int b = 1;
            studio.vm.inspect(b, -1);
            NeuronsViewModel.Summary s = studio.vm.neurons().summary();
            assertNotNull(s);

            LoadedModel model = FixtureStudio.Reference.model();
            int[] keep = FixtureStudio.Reference.kept(plan)[b];
            double[][] h = RefitReference.hidden(model, manager)[b];
            HostTensor w2 = model.weights().get("blocks." + b + ".mlp.fc2.weight");
            HostTensor b2 = model.weights().get("blocks." + b + ".mlp.fc2.bias");
            int d = (int) w2.dim(0);
            int hid = (int) w2.dim(1);
            double[] mu = new double[hid];
            for (double[] row : h) {
                for (int j = 0; j < hid; j++) {
                    mu[j] += row[j] / h.length;
                }
            }
            double[][] x = RefitReference.solve(RefitReference.gram(h), keep, w2.data(), b2.data(), d, 1e-3);
            boolean[] kept = new boolean[hid];
            for (int j : keep) {
                kept[j] = true;
            }
            double[][] y = new double[h.length][d];
            double[] yMean = new double[d];
            double meanError = 0;
            double refitError = 0;
            for (int t = 0; t < h.length; t++) {
                for (int r = 0; r < d; r++) {
                    double full = b2.data()[r];
                    double withMeans = b2.data()[r];
                    for (int j = 0; j < hid; j++) {
                        full += w2.data()[r * hid + j] * h[t][j];
                        withMeans += w2.data()[r * hid + j] * (kept[j] ? h[t][j] : mu[j]);
                    }
                    double refit = x[keep.length][r];
                    for (int i = 0; i < keep.length; i++) {
                        refit += x[i][r] * h[t][keep[i]];
                    }
                    y[t][r] = full;
                    yMean[r] += full / h.length;
                    meanError += (full - withMeans) * (full - withMeans);
                    refitError += (full - refit) * (full - refit);
                }
            }
            double variance = 0;
            for (double[] row : y) {
                for (int r = 0; r < d; r++) {
                    variance += (row[r] - yMean[r]) * (row[r] - yMean[r]);
                }
            }
            assertEquals(meanError / variance, s.meanResidual(), 1e-3 * meanError / variance);
            assertEquals(refitError / variance, s.refitResidual(), 1e-3 * refitError / variance);
            assertTrue(s.refitResidual() < s.meanResidual(), "least squares fits better than the means");
            String text = studio.vm.neurons().explanationProperty().get();
            assertTrue(text.contains(String.format(Locale.ROOT, "%.3g%% of its variance with mean compensation",
                    100 * s.meanResidual())), text);
        }
    }
}
