package org.vbpstudio.eval.preview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.VitConfig;

class BlockInputCacheTest {
    /** A small ViT: 17 tokens × 8 channels per block input, 6 blocks. */
    private static final VitConfig CFG =
            new VitConfig("vit_test", 32, 8, 3, 8, 2, new int[] {32, 32, 32, 32, 32, 32}, 10, false, 1e-6, Pooling.TOKEN);
    private static final long TOKEN = 17L * 8;
    private static NDManager root;

    @BeforeAll
    static void open() {
        root = Engines.newManager();
    }

    @AfterAll
    static void close() {
        root.close();
    }

    /** Block inputs of {@code n} images, normal with standard deviation {@code sigma}, from a seeded stream. */
    private static NDArray inputs(NDManager m, int n, double sigma, long seed) {
        Random rnd = new Random(seed);
        float[] v = new float[(int) (n * TOKEN)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextGaussian() * sigma);
        }
        return m.create(v, new Shape(n, 17, 8));
    }

    /** Fills every cached block of {@code chunks} chunks of {@code per} images, as the engine does. */
    private static void fill(BlockInputCache cache, int chunks, int per, NDManager scratch) {
        for (int c = 0; c < chunks; c++) {
            BlockInputCache.Entry[] fresh = new BlockInputCache.Entry[CFG.depth()];
            for (int b = 0; b < CFG.depth(); b++) {
                if (cache.cached(b)) {
                    fresh[b] = cache.encode(inputs(scratch, per, 1, 31L * c + b));
                }
            }
            cache.commit(c, fresh);
        }
    }

    @Test
    void storedBytesStayWithinTheBudgetAtEveryPrecisionAndStride() {
        // budgets from "everything in float32" down to "fewer images than asked"
        long[] budgets = {100 * TOKEN * 4 * 6, 100 * TOKEN * 2 * 6, 100 * TOKEN * 2 * 3, 100 * TOKEN * 2, 40 * TOKEN * 2 + 7};
        for (long budget : budgets) {
            CachePlan plan = CachePlan.choose(CFG, 100, budget);
            try (NDManager scratch = root.newSubManager(); BlockInputCache cache = new BlockInputCache(plan, root)) {
                fill(cache, plan.images() / 10, 10, scratch);
                int kept = 0; // blocks whose input is cached, counted here rather than asked of the plan
                for (int b = 0; b < CFG.depth(); b++) {
                    kept += cache.cached(b) ? 1 : 0;
                }
                long expected = (long) plan.images() * kept * TOKEN * (plan.float16() ? 2 : 4);
                assertEquals(expected, cache.bytes(), plan.describe());
                assertTrue(cache.bytes() <= budget, plan.describe());
            }
        }
    }

    @Test
    void precisionIsFloat32WhenItFitsElseFloat16() {
        try (NDManager scratch = root.newSubManager()) {
            NDArray x = inputs(scratch, 2, 1, 1);
            BlockInputCache f32 = new BlockInputCache(CachePlan.choose(CFG, 2, 2 * TOKEN * 4 * 6), root);
            BlockInputCache.Entry e = f32.encode(x);
            assertSame(x, e.array()); // float32 keeps the array itself, no copy
            assertEquals(1f, e.scale());
            BlockInputCache f16 = new BlockInputCache(CachePlan.choose(CFG, 2, 2 * TOKEN * 4 * 6 - 1), root);
            assertEquals(DataType.FLOAT16, f16.encode(x).array().getDataType());
            f32.close();
            f16.close();
        }
    }

    /**
     * float16 has an 11-bit significand: a normal value rounds to within 2^-11 of itself relatively;
     * one below 2^-14 (subnormal) to within 2^-25 absolutely. Entries beyond 32,768 are first divided
     * by the smallest power of two bringing them under it, so they come back within the same bound.
     */
    @Test
    void float16RoundTripIsWithinHalfAnUlpAndLargeInputsDoNotOverflow() {
        CachePlan plan = CachePlan.choose(CFG, 1, TOKEN * 2 * 6);
        assertTrue(plan.float16());
        for (double sigma : new double[] {1e-3, 1, 300, 2e5}) {
            try (NDManager scratch = root.newSubManager(); BlockInputCache cache = new BlockInputCache(plan, root)) {
                NDArray x = inputs(scratch, 1, sigma, 7);
                float[] original = x.toFloatArray();
                BlockInputCache.Entry[] fresh = new BlockInputCache.Entry[CFG.depth()];
                fresh[0] = cache.encode(x);
                cache.commit(0, fresh);
                float max = 0;
                for (float v : original) {
                    max = Math.max(max, Math.abs(v));
                }
                double scale = max <= 32768 ? 1 : Math.pow(2, Math.ceil(Math.log(max / 32768.0) / Math.log(2)));
                assertEquals(scale, fresh[0].scale(), 0, "sigma " + sigma);
                try (NDManager use = root.newSubManager()) {
                    float[] back = cache.decode(0, 0, use).toFloatArray();
                    for (int i = 0; i < original.length; i++) {
                        double v = original[i] / scale;
                        double bound = Math.abs(v) >= 0x1p-14 ? Math.abs(v) * 0x1p-11 : 0x1p-25;
                        assertTrue(Math.abs(back[i] / scale - v) <= bound + 1e-12,
                                "sigma " + sigma + ": " + original[i] + " came back as " + back[i]);
                        assertTrue(Float.isFinite(back[i]));
                    }
                }
            }
        }
    }

    @Test
    void commitReplacesOnlyTheGivenBlocksAndFreesWhatItReplaces() {
        CachePlan plan = CachePlan.choose(CFG, 4, 1L << 30); // float32, every block
        try (NDManager scratch = root.newSubManager(); BlockInputCache cache = new BlockInputCache(plan, root)) {
            fill(cache, 1, 4, scratch);
            NDArray block2 = readBack(cache, 0, 2);
            NDArray block3 = readBack(cache, 0, 3);
            NDArray replacement;
            NDArray old3;
            try (NDManager tmp = root.newSubManager()) {
                try (NDManager peek = root.newSubManager()) {
                    old3 = cache.decode(0, 3, peek);
                }
                replacement = inputs(tmp, 4, 5, 99);
                BlockInputCache.Entry[] fresh = new BlockInputCache.Entry[CFG.depth()];
                fresh[3] = cache.encode(replacement);
                cache.commit(0, fresh);
            } // the scratch manager closes: a committed entry must survive it
            assertTrue(replacement.isReleased() == false, "a committed entry outlives its scratch manager");
            assertTrue(old3.isReleased(), "the replaced entry is freed");
            assertEquals(block2.toFloatArray().length, readBack(cache, 0, 2).toFloatArray().length);
            assertArrayEquals(block2.toFloatArray(), readBack(cache, 0, 2).toFloatArray());
            assertArrayEquals(replacement.toFloatArray(), readBack(cache, 0, 3).toFloatArray());
            assertFalse(java.util.Arrays.equals(block3.toFloatArray(), readBack(cache, 0, 3).toFloatArray()));
            assertEquals(4 * TOKEN * 4 * 6, cache.bytes()); // replaced, not added
            assertThrows(IllegalStateException.class, () -> readBack(cache, 1, 0)); // chunk 1 never committed
        }
    }

    @Test
    void anUncommittedEntryDiesWithItsScratchManager() {
        CachePlan plan = CachePlan.choose(CFG, 4, 4 * TOKEN * 2 * 6); // float16: encode makes a new array
        try (BlockInputCache cache = new BlockInputCache(plan, root)) {
            BlockInputCache.Entry e;
            try (NDManager tmp = root.newSubManager()) {
                e = cache.encode(inputs(tmp, 4, 1, 3));
            }
            assertTrue(e.array().isReleased());
            assertEquals(0, cache.bytes());
        }
    }

    /** A copy of chunk c's block b input in float32, outside the cache. */
    private static NDArray readBack(BlockInputCache cache, int c, int b) {
        NDArray copy;
        try (NDManager use = root.newSubManager()) {
            NDArray x = cache.decode(c, b, use);
            copy = root.create(x.toFloatArray(), x.getShape());
        }
        return copy;
    }

    private static void assertArrayEquals(float[] expected, float[] actual) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual);
    }
}
