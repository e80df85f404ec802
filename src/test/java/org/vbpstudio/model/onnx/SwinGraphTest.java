package org.vbpstudio.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.vbpstudio.model.HostTensor;

/** The relative position bias the Swin graph holds as a constant, against each token pair's (dy, dx). */
class SwinGraphTest {
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
        float[] bias = SwinGraph.relativePositionBias(new HostTensor(new long[] {side * side, heads}, table), ws);
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
