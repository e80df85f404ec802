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
 * StatsHook reduces each batch in one read to sums about a shift and recomputes the columns where
 * that loses precision; whatever it does, every batch's mean and M2 must be those of the textbook
 * two-pass formula in double ({@link TwoPass}) to float32 rounding, over batch sizes and widths
 * that change from batch to batch, and the activation itself is left as it was. A column whose
 * first rows sit 50 000 spreads from the rest comes out within 1e-7 relative.
 */
class StatsHookTest {
    private static final int[] WIDTHS = {8, 5};

    @Test
    void batchStatisticsEqualTheDoubleTwoPassToFloat32Rounding() {
        ActivationStats viaHook = new ActivationStats(WIDTHS);
        ActivationStats reference = new ActivationStats(WIDTHS);
        SplittableRandom r = new SplittableRandom(11);
        // images, tokens, block
        int[][] batches = {{3, 40, 0}, {2, 40, 1}, {1, 7, 0}, {4, 40, 1}, {3, 40, 0}, {8, 197, 0}, {6, 197, 1}};
        StatsHook hook = new StatsHook(viaHook);
        try (NDManager m = Engines.newManager()) {
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

    /** A float64 activation (no model here runs one) is reduced from a float32 copy, to the same figures. */
    @Test
    void aFloat64ActivationGivesTheFloat32Statistics() {
        int width = 5;
        float[] values = new float[2 * 30 * width];
        SplittableRandom r = new SplittableRandom(3);
        for (int j = 0; j < values.length; j++) {
            values[j] = (float) (1 + r.nextGaussian());
        }
        ActivationStats single = new ActivationStats(new int[] {width});
        ActivationStats dbl = new ActivationStats(new int[] {width});
        StatsHook a = new StatsHook(single);
        StatsHook b = new StatsHook(dbl);
        try (NDManager m = Engines.newManager()) {
            NDArray h = m.create(values, new Shape(2, 30, width));
            a.onHidden(0, h);
            NDArray h64 = h.toType(ai.djl.ndarray.types.DataType.FLOAT64, true);
            assertSame(h64, b.onHidden(0, h64));
        }
        assertArrayEquals(single.mean(0), dbl.mean(0), 1e-12);
        assertArrayEquals(single.m2(0), dbl.m2(0), 1e-9);
    }

    @Test
    void aColumnWithALargeMeanAndATinySpreadKeepsItsM2() {
        assertTrue(relativeM2Error(true) <= 1e-7, "with the two-pass fallback: " + relativeM2Error(true));
    }

    /** The fallback is what keeps it: M2 from the sums alone is a hundred times further off (so the test above can fail). */
    @Test
    void withoutTheFallbackThatColumnsM2WouldBeLost() {
        double error = relativeM2Error(false);
        assertTrue(error > 1e-6, "without the fallback: " + error);
    }

    /**
     * Largest relative M2 error of a batch (64 images of 3,136 tokens, as Swin-T's first stage) whose
     * column 1 is 0 ± 1e-3 in the first 32 rows and 50 ± 1e-3 in the rest (column 0: mean 0, std 1).
     * The hook sums about the first rows' mean, which here is 50 away from the column's mean, while
     * M2 is only the 32 first rows' share: M2 from the sums alone loses digits to cancellation.
     */
    private static double relativeM2Error(boolean fallback) {
        int images = 64;
        int tokens = 3136;
        int n = images * tokens;
        int width = 2;
        SplittableRandom r = new SplittableRandom(5);
        float[] values = new float[n * width];
        for (int i = 0; i < n; i++) {
            values[i * width] = (float) r.nextGaussian();
            values[i * width + 1] = (float) ((i < ColumnMoments.FLUSH_ROWS ? 0 : 50) + 1e-3 * r.nextGaussian());
        }
        ActivationStats stats = new ActivationStats(new int[] {width});
        StatsHook hook = new StatsHook(stats, fallback);
        try (NDManager m = Engines.newManager()) {
            hook.onHidden(0, m.create(values, new Shape(images, tokens, width)));
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
