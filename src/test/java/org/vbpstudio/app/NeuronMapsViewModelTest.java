package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.neurons.NeuronMapsViewModel;
import org.vbpstudio.app.neurons.NeuronsViewModel;
import org.vbpstudio.eval.NeuronMaps;
import org.vbpstudio.stats.ActivationStats;

/**
 * The Neurons tab's maps: of the neuron selected, with its mean and variance equal to the statistics
 * collected apart from the app over the same images (every token), 8 images where it fires most and
 * 8 at random; the lowest-variance neuron's maps are flat beside the highest's, and flat on the
 * colour scale the tab draws them on (at least 4 of the block's largest standard deviations).
 */
class NeuronMapsViewModelTest {
    private static final int BLOCK = 1;

    @Test
    void mapsOfTheSelectedNeuronCarryItsStatisticsAndALowVarianceOneIsFlat() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            NeuronsViewModel neurons = studio.vm.neurons();
            NeuronMapsViewModel maps = studio.vm.neuronMaps();
            studio.vm.inspect(BLOCK, -1);
            maps.show();
            assertNull(maps.resultProperty().get(), "no neuron selected");
            assertTrue(maps.statusProperty().get().startsWith("Select a neuron"), maps.statusProperty().get());

            ActivationStats stats = FixtureStudio.Reference.stats();
            int low = neurons.selectVarianceEnd(false);
            maps.show(); // same-thread executor: done on return
            NeuronMaps.Result lowMaps = maps.resultProperty().get();
            assertNotNull(lowMaps, maps.statusProperty().get());
            assertEquals(low, lowMaps.neuron());
            assertEquals(BLOCK, lowMaps.block());
            assertEquals(stats.mean(BLOCK)[low], lowMaps.mean(), 1e-5 * (1 + Math.abs(stats.mean(BLOCK)[low])));
            assertEquals(stats.variance(BLOCK)[low], lowMaps.variance(), 1e-4 * stats.variance(BLOCK)[low] + 1e-9);
            assertEquals(NeuronMapsViewModel.IMAGES, lowMaps.top().size());
            assertEquals(NeuronMapsViewModel.IMAGES, lowMaps.random().size());
            assertTrue(maps.statusProperty().get().contains("neuron " + low), maps.statusProperty().get());
            double[] lowScale = maps.figure().scale();

            int high = neurons.selectVarianceEnd(true);
            maps.show();
            NeuronMaps.Result highMaps = maps.resultProperty().get();
            assertEquals(high, highMaps.neuron());
            assertEquals(stats.variance(BLOCK)[high], highMaps.variance(), 1e-4 * stats.variance(BLOCK)[high]);
            double flat = spread(lowMaps);
            double lively = spread(highMaps);
            assertTrue(flat < 0.2 * lively, "lowest-variance neuron's maps span " + flat + ", highest's " + lively);
            double maxStd = Math.sqrt(Arrays.stream(stats.variance(BLOCK)).max().orElseThrow());
            assertTrue(lowScale[1] - lowScale[0] >= 4 * maxStd - 1e-9, "a scale fit for the block: " + Arrays.toString(lowScale));
            assertTrue(flat < 0.25 * (lowScale[1] - lowScale[0]), "flat on screen: " + flat + " of " + Arrays.toString(lowScale));
            double[] highScale = maps.figure().scale();
            assertTrue(highScale[1] - highScale[0] >= lively - 1e-6, "every value of the lively neuron on the scale");
        }
    }

    /** The range of the activation over every map shown. */
    private static double spread(NeuronMaps.Result r) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (List<NeuronMaps.ImageMap> row : List.of(r.top(), r.random())) {
            for (NeuronMaps.ImageMap m : row) {
                for (float[] line : m.grid()) {
                    for (float v : line) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
            }
        }
        return hi - lo;
    }
}
