package org.vbpstudio.io;

import java.util.Arrays;

/**
 * One tensor of the header.
 *
 * @param begin absolute byte offset of the first element in the file
 * @param end   absolute byte offset just after the last element
 */
public record TensorEntry(String name, DType dtype, long[] shape, long begin, long end) {
    public TensorEntry {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements (1 for a scalar). */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public int rank() {
        return shape.length;
    }

    public long byteSize() {
        return end - begin;
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
