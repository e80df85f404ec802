package org.vbpstudio.data;

import java.util.List;

/**
 * A preprocessed batch from {@link BatchLoader}, ready to become an (N, C, S, S) tensor.
 *
 * @param start   position of the first image in the loader's iteration order (= source index
 *                when no shuffling order is given)
 * @param count   number of images (the last batch may be short)
 * @param pixels  {@code count * C * S * S} floats, image after image, each CHW
 * @param labels  ground-truth class per image, -1 where the source is unlabelled
 * @param names   {@link ImageSource#name} per image, for outputs such as the prediction CSV
 * @param indices source index per image (differs from {@code start + k} under a shuffled order)
 */
public record Batch(int start, int count, float[] pixels, int[] labels, List<String> names, int[] indices) {

    /** Floats per image ({@code C * S * S}). */
    public int imageLength() {
        return count == 0 ? 0 : pixels.length / count;
    }
}
