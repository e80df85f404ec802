package org.vbpstudio.model;

import java.util.Arrays;

/**
 * A float32 tensor in Java memory, row-major. Checkpoint conversion and pruning surgery are plain
 * data-to-data code on these; only the forward pass moves them into native NDArrays.
 */
public record HostTensor(long[] shape, float[] data) {

    public HostTensor {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n
                    + " values, got " + data.length);
        }
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i];
    }

    public long numel() {
        return data.length;
    }

    /** Rows {@code keep} of a 2-D tensor [rows, cols] (or elements of a 1-D one). */
    public HostTensor selectRows(int[] keep) {
        int cols = rank() == 1 ? 1 : (int) (numel() / shape[0]);
        float[] out = new float[keep.length * cols];
        for (int i = 0; i < keep.length; i++) {
            System.arraycopy(data, keep[i] * cols, out, i * cols, cols);
        }
        long[] s = shape.clone();
        s[0] = keep.length;
        return new HostTensor(s, out);
    }

    /** Columns {@code keep} of a 2-D tensor [rows, cols]. */
    public HostTensor selectColumns(int[] keep) {
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        float[] out = new float[rows * keep.length];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < keep.length; j++) {
                out[r * keep.length + j] = data[r * cols + keep[j]];
            }
        }
        return new HostTensor(new long[] {rows, keep.length}, out);
    }

    /** Concatenation along the first axis (HF's separate query/key/value into timm's qkv). */
    public static HostTensor concatRows(HostTensor... parts) {
        long rows = 0;
        int len = 0;
        for (HostTensor p : parts) {
            rows += p.shape[0];
            len += p.data.length;
        }
        float[] out = new float[len];
        int at = 0;
        for (HostTensor p : parts) {
            System.arraycopy(p.data, 0, out, at, p.data.length);
            at += p.data.length;
        }
        long[] s = parts[0].shape.clone();
        s[0] = rows;
        return new HostTensor(s, out);
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    public HostTensor copy() {
        return new HostTensor(shape.clone(), data.clone());
    }
}
