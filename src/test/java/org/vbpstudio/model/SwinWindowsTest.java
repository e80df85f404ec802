package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The shifted windows' mask against a second derivation: which tokens the cyclic shift wrapped
 * (timm labels regions by slices instead).
 */
class SwinWindowsTest {
    /**
     * Rolling the grid by −shift wraps its last {@code shift} rows and columns around from the other
     * side: two tokens of one window may attend to each other exactly when, along each axis, both
     * or neither were wrapped.
     */
    @Test
    void shiftMaskSeparatesTokensTheRollWrappedFromTheirWindowNeighbours() {
        for (int[] c : new int[][] {{8, 4, 2}, {4, 2, 1}, {6, 3, 1}, {12, 4, 2}}) {
            int res = c[0];
            int ws = c[1];
            int shift = c[2];
            float[] mask = SwinWindows.shiftMask(res, ws, shift);
            int n = ws * ws;
            int perSide = res / ws;
            assertEquals(perSide * perSide * n * n, mask.length);
            int masked = 0;
            for (int w = 0; w < perSide * perSide; w++) {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        int yi = w / perSide * ws + i / ws;
                        int xi = w % perSide * ws + i % ws;
                        int yj = w / perSide * ws + j / ws;
                        int xj = w % perSide * ws + j % ws;
                        boolean together = (yi >= res - shift) == (yj >= res - shift) && (xi >= res - shift) == (xj >= res - shift);
                        assertEquals(together ? 0f : -100f, mask[(w * n + i) * n + j],
                                "res " + res + " window " + w + " (" + i + ", " + j + ")");
                        masked += together ? 0 : 1;
                    }
                }
            }
            assertTrue(masked > 0, "a shifted grid masks some pairs");
        }
    }

    @Test
    void onlyTheWindowsAlongTheWrappedEdgesAreMasked() {
        float[] mask = SwinWindows.shiftMask(8, 4, 2);
        for (int k = 0; k < 16 * 16; k++) { // window 0 (top-left) wraps nothing
            assertEquals(0f, mask[k]);
        }
        int base = 3 * 16 * 16; // window 3 (bottom-right) holds four 2×2 quarters
        assertEquals(0f, mask[base + 1]); // tokens (0,0) and (0,1): the same quarter
        assertEquals(-100f, mask[base + 2]); // (0,0) and (0,2): across the wrap
        assertEquals(-100f, mask[base + 15]); // (0,0) and (3,3)
    }
}
