package org.vbpstudio.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.vbpstudio.model.Engines;

/**
 * StatsHook's workspace changes where the deviations live, not what is computed: every batch's
 * mean and M2 equal, bit for bit, the straightforward float32 reduction {@code mean(h)},
 * {@code sum((h - mean)²)} done with fresh arrays, whatever order of batch sizes and widths makes
 * the workspace grow, be reused in part, or be freed in between; and the activation itself is
 * left as it was.
 */
class StatsHookTest {
    private static final int[] WIDTHS = {8, 5};

    @Test
    void batchStatisticsEqualTheFloat32ReductionBitForBit() {
        ActivationStats viaHook = new ActivationStats(WIDTHS);
        ActivationStats reference = new ActivationStats(WIDTHS);
        SplittableRandom r = new SplittableRandom(11);
        int[][] batches = {{3, 40, 0}, {2, 40, 1}, {1, 7, 0}, {4, 40, 1}, {3, 40, 0}}; // images, tokens, block
        try (NDManager m = Engines.newManager(); StatsHook hook = new StatsHook(viaHook)) {
            for (int i = 0; i < batches.length; i++) {
                int block = batches[i][2];
                Shape shape = new Shape(batches[i][0], batches[i][1], WIDTHS[block]);
                float[] values = new float[(int) shape.size()];
                for (int j = 0; j < values.length; j++) {
                    values[j] = (float) (2 + 0.5 * j % 3 + r.nextGaussian()); // offset means: M2 ≠ Σ h²
                }
                NDArray h = m.create(values, shape);
                assertSame(h, hook.onHidden(block, h));
                assertArrayEquals(values, h.toFloatArray(), "the activation is left as it was");
                referenceBatch(reference, block, h);
                if (i == 2) {
                    hook.close(); // the next batch starts a new workspace
                }
            }
        }
        for (int b = 0; b < WIDTHS.length; b++) {
            assertEquals(reference.count(b), viaHook.count(b));
            assertArrayEquals(reference.mean(b), viaHook.mean(b), "block " + b + " mean, exactly");
            assertArrayEquals(reference.m2(b), viaHook.m2(b), "block " + b + " M2, exactly");
        }
    }

    /** The float32 reduction written plainly: every intermediate a fresh array. */
    private static void referenceBatch(ActivationStats into, int block, NDArray h) {
        int width = WIDTHS[block];
        NDArray flat = h.reshape(-1, width);
        NDArray mean = flat.mean(new int[] {0});
        NDArray m2 = flat.sub(mean).square().sum(new int[] {0});
        into.accumulate(block, flat.getShape().get(0), mean.toType(DataType.FLOAT64, false).toDoubleArray(),
                m2.toType(DataType.FLOAT64, false).toDoubleArray());
    }
}
