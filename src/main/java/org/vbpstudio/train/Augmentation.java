package org.vbpstudio.train;

import java.util.SplittableRandom;
import org.vbpstudio.data.Batch;
import org.vbpstudio.data.Preprocessing;

/**
 * Light training augmentation on preprocessed CHW images, in place: torchvision's
 * {@code RandomCrop(size, padding=p)} (pad with black, i.e. pixel value 0 after normalisation, take
 * a random {@code size × size} window) followed by {@code RandomHorizontalFlip()}.
 *
 * @param padding pixels of padding on each side before the random crop (0: no crop)
 * @param flip    flip each image left-right with probability 1/2
 */
public record Augmentation(int padding, boolean flip) {
    public static final Augmentation NONE = new Augmentation(0, false);

    public Augmentation {
        if (padding < 0) {
            throw new IllegalArgumentException("padding must not be negative: " + padding);
        }
    }

    public boolean isIdentity() {
        return padding == 0 && !flip;
    }

    /** Augments every image of {@code batch} (its pixels are overwritten). */
    public void apply(Batch batch, Preprocessing prep, SplittableRandom rng) {
        if (isIdentity()) {
            return;
        }
        int c = prep.channels();
        int s = prep.size();
        float[] fill = new float[c];
        float[] mean = prep.mean();
        float[] std = prep.std();
        for (int ch = 0; ch < c; ch++) {
            fill[ch] = (0f - mean[ch]) / std[ch];
        }
        float[] tmp = new float[c * s * s];
        for (int k = 0; k < batch.count(); k++) {
            int dx = padding == 0 ? 0 : rng.nextInt(2 * padding + 1) - padding;
            int dy = padding == 0 ? 0 : rng.nextInt(2 * padding + 1) - padding;
            boolean mirror = flip && rng.nextBoolean();
            apply(batch.pixels(), k * c * s * s, c, s, dx, dy, mirror, fill, tmp);
        }
    }

    /**
     * One image at {@code offset}: output pixel (y, x) is input (y + dy, x' + dx) where x' is x, or
     * {@code s - 1 - x} when mirrored; outside the image it is {@code fill[channel]}.
     */
    static void apply(float[] px, int offset, int c, int s, int dx, int dy, boolean mirror, float[] fill, float[] tmp) {
        if (dx == 0 && dy == 0 && !mirror) {
            return;
        }
        int plane = s * s;
        for (int ch = 0; ch < c; ch++) {
            int base = offset + ch * plane;
            for (int y = 0; y < s; y++) {
                int sy = y + dy;
                for (int x = 0; x < s; x++) {
                    int sx = (mirror ? s - 1 - x : x) + dx;
                    tmp[ch * plane + y * s + x] = sy < 0 || sy >= s || sx < 0 || sx >= s
                            ? fill[ch] : px[base + sy * s + sx];
                }
            }
        }
        System.arraycopy(tmp, 0, px, offset, c * plane);
    }
}
