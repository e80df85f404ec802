package org.vbpstudio.model.onnx;

import org.vbpstudio.model.HostTensor;

/**
 * The constants of Swin's window attention, computed at export time exactly as timm computes them
 * at run time: the relative position bias gathered from a block's table, and the shifted windows'
 * mask. Windows are square ({@code ws}×{@code ws}, N = ws² tokens), numbered row-major over the
 * grid, tokens row-major within a window.
 */
final class SwinWindows {
    /** timm's value for token pairs from different regions of a shifted window: softmax sends them to ~0. */
    static final float MASKED = -100f;

    private SwinWindows() {}

    /**
     * {@code table[index[i, j], h]} as [heads, N, N], timm's {@code _get_rel_pos_bias}: the index of
     * tokens i = (yi, xi), j = (yj, xj) is (yi − yj + ws − 1)·(2ws − 1) + (xi − xj + ws − 1).
     *
     * @param table {@code relative_position_bias_table} [(2ws − 1)², heads]
     */
    static float[] relativePositionBias(HostTensor table, int ws) {
        int heads = (int) table.dim(1);
        int n = ws * ws;
        int side = 2 * ws - 1;
        if (table.dim(0) != (long) side * side) {
            throw new IllegalArgumentException("a " + ws + "×" + ws + " window needs a table of " + side * side
                    + " rows, not " + table.dim(0));
        }
        float[] t = table.data();
        float[] bias = new float[heads * n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                int index = (i / ws - j / ws + ws - 1) * side + (i % ws - j % ws + ws - 1);
                for (int h = 0; h < heads; h++) {
                    bias[(h * n + i) * n + j] = t[index * heads + h];
                }
            }
        }
        return bias;
    }

    /**
     * timm's attention mask of a {@code res}×{@code res} grid cyclically shifted by {@code shift}, as
     * [windows, N, N]: 0 where both tokens come from the same region of the unshifted grid, else
     * {@link #MASKED}. Regions: along each axis, [0, res − ws), [res − ws, res − shift), [res − shift, res).
     */
    static float[] shiftMask(int res, int ws, int shift) {
        int perSide = res / ws;
        int n = ws * ws;
        float[] mask = new float[perSide * perSide * n * n];
        for (int wy = 0; wy < perSide; wy++) {
            for (int wx = 0; wx < perSide; wx++) {
                int window = wy * perSide + wx;
                for (int i = 0; i < n; i++) {
                    int ri = region(wy * ws + i / ws, res, ws, shift) * 3 + region(wx * ws + i % ws, res, ws, shift);
                    for (int j = 0; j < n; j++) {
                        int rj = region(wy * ws + j / ws, res, ws, shift) * 3 + region(wx * ws + j % ws, res, ws, shift);
                        mask[(window * n + i) * n + j] = ri == rj ? 0f : MASKED;
                    }
                }
            }
        }
        return mask;
    }

    private static int region(int position, int res, int ws, int shift) {
        return position < res - ws ? 0 : position < res - shift ? 1 : 2;
    }
}
