package org.vbpstudio.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.vbpstudio.model.HostTensor;

/**
 * The window constants against a second derivation: the mask from which tokens the cyclic shift
 * wrapped (timm labels regions by slices instead), the bias by each token pair's (dy, dx).
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

    @Test
    void relativePositionBiasLooksUpEachPairsOffset() {
        int ws = 3;
        int heads = 2;
        int side = 2 * ws - 1;
        float[] table = new float[side * side * heads];
        for (int r = 0; r < side * side; r++) {
            for (int h = 0; h < heads; h++) {
                table[r * heads + h] = 1000 * h + r; // row r = (dy + ws - 1) * side + (dx + ws - 1)
            }
        }
        float[] bias = SwinWindows.relativePositionBias(new HostTensor(new long[] {side * side, heads}, table), ws);
        int n = ws * ws;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    int dy = i / ws - j / ws;
                    int dx = i % ws - j % ws;
                    float expected = 1000 * h + (dy + 2) * side + (dx + 2);
                    assertEquals(expected, bias[(h * n + i) * n + j], "head " + h + " (" + i + ", " + j + ")");
                }
            }
        }
        assertArrayEquals(new float[] {12, 11}, new float[] {bias[0], bias[1]}, "(0,0)-(0,0) is the centre; (0,0)-(0,1) is dx = -1");
    }
}
