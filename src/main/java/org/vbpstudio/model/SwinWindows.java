package org.vbpstudio.model;

/**
 * The index arithmetic of Swin's shifted windows, as host arrays computed once per stage
 * (timm's {@code get_relative_position_index}, {@code window_partition} after {@code torch.roll} and
 * the shifted-window attention mask), so the forward pass needs no per-window loop.
 * The ONNX export makes the index and the mask constants of its graph.
 *
 * <p>Positions of an {@code H×W} grid are numbered row-major ({@code h·W + w}); windowed order lists
 * window after window (windows row-major), each window's {@code ws×ws} positions row-major.
 */
public final class SwinWindows {
    /** timm's value for attention across regions that the cyclic shift brought together. */
    public static final float MASKED = -100f;

    private SwinWindows() {}

    /**
     * timm's {@code relative_position_index} flattened: for positions i, j of a {@code ws×ws} window,
     * the row of {@code relative_position_bias_table} holding their bias, {@code [ws²·ws²]}.
     */
    public static long[] relativePositionIndex(int ws) {
        int n = ws * ws;
        long[] index = new long[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                int dh = i / ws - j / ws + ws - 1;
                int dw = i % ws - j % ws + ws - 1;
                index[i * n + j] = (long) dh * (2 * ws - 1) + dw;
            }
        }
        return index;
    }

    /**
     * For each position in windowed order, the grid position it reads after
     * {@code roll(x, -shift)} on both axes: {@code x.reshape(B, H·W, C)[:, order]} is the windows of
     * the shifted map, {@code [B·nW, ws², C]} once reshaped.
     */
    static long[] windowOrder(int side, int ws, int shift) {
        int perRow = side / ws;
        long[] order = new long[side * side];
        int k = 0;
        for (int wh = 0; wh < perRow; wh++) {
            for (int ww = 0; ww < perRow; ww++) {
                for (int i = 0; i < ws; i++) {
                    for (int j = 0; j < ws; j++) {
                        int h = (wh * ws + i + shift) % side;
                        int w = (ww * ws + j + shift) % side;
                        order[k++] = (long) h * side + w;
                    }
                }
            }
        }
        return order;
    }

    /** The inverse permutation: window reverse followed by the roll back. */
    static long[] inverse(long[] order) {
        long[] inv = new long[order.length];
        for (int k = 0; k < order.length; k++) {
            inv[(int) order[k]] = k;
        }
        return inv;
    }

    /**
     * timm's {@code attn_mask} for a shift, {@code [nW, ws², ws²]}: 0 where two positions of a window
     * come from the same region of the unshifted map, {@link #MASKED} where the roll wrapped them together.
     */
    public static float[] shiftMask(int side, int ws, int shift) {
        int perRow = side / ws;
        int n = ws * ws;
        float[] mask = new float[perRow * perRow * n * n];
        int[] region = new int[n];
        for (int wh = 0; wh < perRow; wh++) {
            for (int ww = 0; ww < perRow; ww++) {
                for (int i = 0; i < n; i++) {
                    region[i] = 3 * band(wh * ws + i / ws, side, ws, shift) + band(ww * ws + i % ws, side, ws, shift);
                }
                int base = (wh * perRow + ww) * n * n;
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        mask[base + i * n + j] = region[i] == region[j] ? 0f : MASKED;
                    }
                }
            }
        }
        return mask;
    }

    /** timm's slices (0, -ws), (-ws, -shift), (-shift, None) of one axis of the shifted map. */
    private static int band(int position, int side, int ws, int shift) {
        if (position < side - ws) {
            return 0;
        }
        return position < side - shift ? 1 : 2;
    }
}
