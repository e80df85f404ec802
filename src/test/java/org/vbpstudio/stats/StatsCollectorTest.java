package org.vbpstudio.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Progress;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.testutil.ImageRange;

/**
 * StatsHook and StatsCollector against two-pass double-precision statistics ({@link TwoPass}) of
 * the very activations the forward pass produces: streaming over batches of any size equals the
 * whole taken at once.
 */
class StatsCollectorTest {
    private static NDManager manager;
    private static LoadedModel model;
    private static Network vit;
    /** Per block, the MLP hidden activations of all 30 fixture images in one batch, [30 · 17, 192]. */
    private static float[][] hidden;

    @BeforeAll
    static void load() {
        manager = Engines.newManager();
        model = ModelLoader.load(Fixture.TIMM);
        vit = model.instantiate(manager);
        hidden = new float[model.config().depth()][];
        vit.logits(Fixture.imagenetPixels(), 30, (block, h) -> {
            hidden[block] = h.toType(DataType.FLOAT32, false).toFloatArray();
            return h;
        });
    }

    @AfterAll
    static void close() {
        vit.close();
        manager.close();
    }

    @Test
    void hookFoldsABatchIntoItsMeanAndM2AndLeavesItUnchanged() {
        SplittableRandom r = new SplittableRandom(4);
        ActivationStats stats = new ActivationStats(new int[] {3, 4});
        float[][] batches = new float[2][];
        StatsHook hook = new StatsHook(stats);
        try (NDManager m = manager.newSubManager()) {
            for (int k = 0; k < 2; k++) {
                batches[k] = new float[(k + 2) * 5 * 4];
                for (int i = 0; i < batches[k].length; i++) {
                    batches[k][i] = (float) (3 + r.nextGaussian());
                }
                NDArray h = m.create(batches[k], new Shape(k + 2, 5, 4)); // [B, T, H]
                assertSame(h, hook.onHidden(1, h), "the forward pass goes on with the same activation");
            }
            assertSame(stats, hook.stats());
        }
        float[] all = new float[batches[0].length + batches[1].length];
        System.arraycopy(batches[0], 0, all, 0, batches[0].length);
        System.arraycopy(batches[1], 0, all, batches[0].length, batches[1].length);
        TwoPass whole = TwoPass.of(all, 4);
        assertEquals(0, stats.count(0), "block 0 saw nothing");
        assertEquals(25, stats.count(1), "2 × 5 + 3 × 5 tokens");
        assertClose(whole.mean, stats.mean(1), 1e-6, "mean");
        assertClose(whole.m2, stats.m2(1), 1e-5, "M2");
    }

    @Test
    void collectingInBatchesOfAnySizeEqualsTheWholeAtOnce() {
        ImageSource images = ImageSources.open(Fixture.IMAGES);
        int tokens = 30 * (int) model.config().blockPositions(0);
        for (int batch : new int[] {1, 7, 30}) {
            ActivationStats s = StatsCollector.collect(vit, images, model.preprocessing(), batch, Progress.NONE);
            assertEquals(30, s.images(), "batch " + batch);
            for (int b = 0; b < hidden.length; b++) {
                TwoPass whole = TwoPass.of(hidden[b], model.config().mlpHiddenDim(b));
                assertEquals(tokens, whole.count);
                assertEquals(tokens, s.count(b), "batch " + batch + " block " + b);
                assertClose(whole.mean, s.mean(b), 1e-5, "batch " + batch + " block " + b + " mean");
                assertClose(whole.m2, s.m2(b), 1e-5, "batch " + batch + " block " + b + " M2");
            }
        }
    }

    @Test
    void collectIntoAddsToStatisticsItIsGiven() {
        ImageSource images = ImageSources.open(Fixture.IMAGES);
        ActivationStats s = new ActivationStats(model.config().mlpHiddenDims());
        StatsCollector.collectInto(s, vit, new ImageRange(images, 0, 10), model.preprocessing(), 4, Progress.NONE);
        StatsCollector.collectInto(s, vit, images, model.preprocessing(), 8, Progress.NONE);
        assertEquals(40, s.images());
        // the first 10 images twice, then the other 20 once
        int w = model.config().mlpHiddenDim(2);
        int rows = hidden[2].length / w;
        int first = rows / 3; // 10 of 30 images
        float[] twice = new float[(rows + first) * w];
        System.arraycopy(hidden[2], 0, twice, 0, first * w);
        System.arraycopy(hidden[2], 0, twice, first * w, rows * w);
        TwoPass whole = TwoPass.of(twice, w);
        assertEquals(whole.count, s.count(2));
        assertClose(whole.mean, s.mean(2), 1e-5, "mean");
        assertClose(whole.m2, s.m2(2), 1e-5, "M2");
    }

    /** Relative to each value, with a floor of 1 % of the largest (float32 activations, double reference). */
    static void assertClose(double[] expected, double[] actual, double rel, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int j = 0; j < expected.length; j++) {
            double err = Math.abs(expected[j] - actual[j]) / Math.max(Math.abs(expected[j]), 1e-2 * scale);
            assertTrue(err <= rel, what + ": relative error " + err + " at neuron " + j + " (" + expected[j]
                    + " vs " + actual[j] + ")");
        }
    }
}
