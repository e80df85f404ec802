package org.vbpstudio.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.vbpstudio.model.Engines;

/**
 * StatsHook reduces each batch natively from its mean and Σh² and recomputes the columns where
 * that loses precision; whatever it does, every batch's mean and M2 must be those of the textbook
 * two-pass formula in double ({@link TwoPass}) to float32 rounding, over batch sizes and widths
 * that change from batch to batch, and the activation itself is left as it was. A column whose
 * mean is 50 000 times its spread (M2 from the moments alone would be noise) comes out within
 * 1e-6 relative.
 */
class StatsHookTest {
    private static final int[] WIDTHS = {8, 5};

    @Test
    void batchStatisticsEqualTheDoubleTwoPassToFloat32Rounding() {
        ActivationStats viaHook = new ActivationStats(WIDTHS);
        ActivationStats reference = new ActivationStats(WIDTHS);
        SplittableRandom r = new SplittableRandom(11);
        int[][] batches = {{3, 40, 0}, {2, 40, 1}, {1, 7, 0}, {4, 40, 1}, {3, 40, 0}}; // images, tokens, block
        try (NDManager m = Engines.newManager(); StatsHook hook = new StatsHook(viaHook)) {
            for (int[] batch : batches) {
                int block = batch[2];
                Shape shape = new Shape(batch[0], batch[1], WIDTHS[block]);
                float[] values = new float[(int) shape.size()];
                for (int j = 0; j < values.length; j++) {
                    values[j] = (float) (2 + 0.5 * (j % 3) + (j % WIDTHS[block]) * r.nextGaussian()); // offset means: M2 ≠ Σ h²
                }
                NDArray h = m.create(values, shape);
                assertSame(h, hook.onHidden(block, h));
                assertArrayEquals(values, h.toFloatArray(), "the activation is left as it was");
                TwoPass exact = TwoPass.of(values, WIDTHS[block]);
                reference.accumulate(block, exact.count, exact.mean, exact.m2);
            }
        }
        for (int b = 0; b < WIDTHS.length; b++) {
            assertEquals(reference.count(b), viaHook.count(b));
            double[] mean = viaHook.mean(b);
            double[] m2 = viaHook.m2(b);
            for (int j = 0; j < WIDTHS[b]; j++) {
                double spread = Math.sqrt(reference.m2(b)[j] / reference.count(b));
                assertEquals(reference.mean(b)[j], mean[j], 1e-6 * (Math.abs(reference.mean(b)[j]) + spread),
                        "block " + b + " neuron " + j + " mean");
                assertEquals(reference.m2(b)[j], m2[j], 1e-5 * reference.m2(b)[j] + 1e-12,
                        "block " + b + " neuron " + j + " M2");
            }
        }
    }

    @Test
    void aColumnWithALargeMeanAndATinySpreadKeepsItsM2() {
        assertTrue(relativeM2Error(true) <= 1e-6, "with the two-pass fallback: " + relativeM2Error(true));
    }

    /** The fallback is what keeps it: M2 from the moments alone is far off (so the test above can fail). */
    @Test
    void withoutTheFallbackThatColumnsM2WouldBeLost() {
        assertTrue(relativeM2Error(false) > 1e-3, "without the fallback: " + relativeM2Error(false));
    }

    /** Largest relative M2 error of a batch whose column 1 has mean 50 and std 1e-3 (column 0: mean 0, std 1). */
    private static double relativeM2Error(boolean fallback) {
        int n = 32 * 197;
        int width = 2;
        SplittableRandom r = new SplittableRandom(5);
        float[] values = new float[n * width];
        for (int i = 0; i < n; i++) {
            values[i * width] = (float) r.nextGaussian();
            values[i * width + 1] = (float) (50 + 1e-3 * r.nextGaussian());
        }
        ActivationStats stats = new ActivationStats(new int[] {width});
        try (NDManager m = Engines.newManager(); StatsHook hook = new StatsHook(stats, fallback)) {
            hook.onHidden(0, m.create(values, new Shape(32, 197, width)));
        }
        TwoPass exact = TwoPass.of(values, width);
        double worst = 0;
        for (int j = 0; j < width; j++) {
            assertEquals(exact.mean[j], stats.mean(0)[j], 1e-6 * Math.abs(exact.mean[j]) + 1e-6, "mean " + j);
            worst = Math.max(worst, Math.abs(stats.m2(0)[j] - exact.m2[j]) / exact.m2[j]);
        }
        return worst;
    }
}
