package org.vbpstudio.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import org.junit.jupiter.api.Test;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Progress;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.testutil.ConvNextFixture;

/**
 * A ConvNeXt's calibration (the real pipeline: image folder, the model's preprocessing, batches of 7)
 * against torchvision's float64 per-neuron mean and population variance of GELU(fc1) over every
 * position of the 30 images: each within 1e-5 of the reference, relative to the neuron's scale
 * (|mean| + standard deviation for the mean, the variance itself for the variance), plus 1e-7 absolute:
 * a float32 forward pass resolves activations of order 1 to about 1e-7, which is all a neuron deep in
 * GELU's negative tail (variance 4e-7 here) can be measured to.
 */
class ConvNextStatsTest {
    private static final double REL = 1e-5;
    private static final double ABS = 1e-7;

    @Test
    void perNeuronMeanAndVarianceMatchTorchvision() {
        LoadedModel m = ModelLoader.load(ConvNextFixture.TIMM);
        ActivationStats stats;
        try (NDManager manager = Engines.newManager(); Network net = m.instantiate(manager)) {
            stats = StatsCollector.collect(net, ImageSources.open(ConvNextFixture.IMAGES), m.preprocessing(), 7, Progress.NONE);
        }
        JsonArray means = ConvNextFixture.expected().getAsJsonArray("mlp_mean");
        JsonArray vars = ConvNextFixture.expected().getAsJsonArray("mlp_var");
        assertEquals(means.size(), stats.depth());
        assertEquals(30, stats.images());
        for (int b = 0; b < stats.depth(); b++) {
            double[] mean = stats.mean(b);
            double[] var = stats.variance(b);
            JsonArray em = means.get(b).getAsJsonArray();
            JsonArray ev = vars.get(b).getAsJsonArray();
            assertEquals(em.size(), mean.length, "block " + b + " width");
            long positions = (long) m.config().blockPositions(b) * 30;
            assertEquals(positions, stats.count(b), "block " + b + ": every position of every image");
            for (int i = 0; i < mean.length; i++) {
                double rm = em.get(i).getAsDouble();
                double rv = ev.get(i).getAsDouble();
                assertEquals(rm, mean[i], REL * (Math.abs(rm) + Math.sqrt(rv)) + ABS, "block " + b + " neuron " + i + " mean");
                assertEquals(rv, var[i], REL * rv + ABS, "block " + b + " neuron " + i + " variance");
            }
        }
    }
}
