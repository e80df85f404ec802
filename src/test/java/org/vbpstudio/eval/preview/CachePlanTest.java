package org.vbpstudio.eval.preview;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.vbpstudio.model.VitConfig;

class CachePlanTest {
    // DeiT-Tiny: 197 tokens x 192 channels per block input, 12 blocks.
    private static final long TINY_TOKEN = 197L * 192;

    @Test
    void float32WhenEveryBlockFits() {
        CachePlan p = CachePlan.choose(VitConfig.deitTiny(), 1000, 6L << 30);
        assertEquals(1000 * TINY_TOKEN * 4 * 12, p.bytes()); // 1,815,552,000
        assertEquals(false, p.float16());
        assertEquals(1, p.stride());
        assertEquals("1,000 images · block inputs in float32 · every block cached · 1.7 GiB of 6.0 GiB", p.describe());
    }

    @Test
    void thenBfloat16ThenEveryKthBlockThenFewerImages() {
        VitConfig tiny = VitConfig.deitTiny();
        CachePlan half = CachePlan.choose(tiny, 1000, 1_500_000_000L);
        assertEquals(true, half.float16());
        assertEquals(1, half.stride());
        assertEquals(1000 * TINY_TOKEN * 2 * 12, half.bytes());

        CachePlan second = CachePlan.choose(tiny, 1000, 500_000_000L);
        assertEquals(2, second.stride()); // blocks 0, 2, …, 10: 6 inputs
        assertEquals(1000 * TINY_TOKEN * 2 * 6, second.bytes());
        assertTrue(second.describe().contains("every 2nd block cached"));
        assertEquals(4, second.cachedAtOrBefore(5));
        assertTrue(second.cached(10));

        CachePlan five = CachePlan.choose(tiny, 1000, 1000 * TINY_TOKEN * 2 * 3); // 12 blocks / 3 inputs → stride 4
        assertEquals(4, five.stride());

        CachePlan fewer = CachePlan.choose(tiny, 1000, 100 * TINY_TOKEN * 2);
        assertEquals(100, fewer.images());
        assertEquals(12, fewer.stride());
        assertTrue(fewer.describe().startsWith("100 images (of 1,000 asked)"));
        assertTrue(fewer.describe().contains("only the embedding cached"));
        assertTrue(fewer.bytes() <= fewer.budget());
    }

    @Test
    void neverExceedsTheBudget() {
        for (long budget = 1L << 20; budget < 8L << 30; budget += 97L << 20) {
            CachePlan p = CachePlan.choose(VitConfig.deitBase(), 1000, budget);
            assertTrue(p.bytes() <= budget, p.describe());
        }
        assertThrows(IllegalArgumentException.class, () -> CachePlan.choose(VitConfig.deitTiny(), 10, 1000));
    }

    @Test
    void wilsonIntervalMatchesPublishedValues() {
        // 8 of 10, 95 %: (0.4902, 0.9433) (Newcombe 1998, Table I style; computed independently)
        double[] ci = PreviewEstimate.wilson(8, 10, PreviewEstimate.Z95);
        assertArrayEquals(new double[] {0.4902, 0.9433}, ci, 1e-4);
        double[] none = PreviewEstimate.wilson(0, 20, PreviewEstimate.Z95);
        assertEquals(0, none[0], 1e-12);
        assertEquals(0.1611, none[1], 1e-4);
    }

    @Test
    void memorySizesParse() {
        assertEquals(3L << 30, MemoryBudget.parse("3G"));
        assertEquals(512L << 20, MemoryBudget.parse("512m"));
        assertEquals((long) (1.5 * (1L << 30)), MemoryBudget.parse("1.5GiB"));
        assertEquals(2048, MemoryBudget.parse("2048"));
        assertThrows(IllegalArgumentException.class, () -> MemoryBudget.parse("lots"));
        assertThrows(IllegalArgumentException.class, () -> MemoryBudget.parse("0"));
    }
}
