package org.vbpstudio.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.util.Objects;

/**
 * A decoded 8-bit image, kept as plain bytes so decoding (workers) and preprocessing (any thread)
 * need neither AWT nor a tensor library. Pixels are row-major, channels interleaved (HWC); values
 * are unsigned 0-255 stored in {@code byte}s (read them with {@code & 0xFF}).
 *
 * @param width    columns, at least 1
 * @param height   rows, at least 1
 * @param channels 1 (grey) or 3 (RGB)
 * @param pixels   {@code height * width * channels} bytes; not copied, treat as read-only
 */
public record RawImage(int width, int height, int channels, byte[] pixels) {
    private static final int STRIP_PIXELS = 1 << 20;

    public RawImage {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be positive: " + width + "x" + height);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, not " + channels);
        }
        Objects.requireNonNull(pixels, "pixels");
        if (pixels.length != (long) width * height * channels) {
            throw new IllegalArgumentException("expected " + (long) width * height * channels
                    + " pixel bytes for " + width + "x" + height + "x" + channels + ", got " + pixels.length);
        }
    }

    /** The unsigned value of channel {@code c} at column {@code x}, row {@code y}. */
    public int get(int x, int y, int c) {
        return pixels[(y * width + x) * channels + c] & 0xFF;
    }

    /**
     * Converts a decoded image. Grey images (any bit depth, with or without alpha) become one
     * channel, read straight from the raster: going through {@code getRGB} would pass them through
     * Java's linear grey colour space and change their values. Everything else becomes RGB via
     * {@code getRGB} (palettes resolved, alpha dropped, as PIL's {@code convert("RGB")} does).
     */
    public static RawImage of(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        // converted a strip of rows at a time: a whole-image int[] would cost 4 bytes a pixel more
        int stripRows = Math.max(1, STRIP_PIXELS / w);
        if (isGrey(image)) {
            Raster raster = image.getRaster();
            int bits = image.getColorModel().getComponentSize(0);
            double max = (1L << bits) - 1;
            byte[] px = new byte[Math.multiplyExact(w, h)];
            int[] samples = null;
            for (int y = 0; y < h; y += stripRows) {
                int rows = Math.min(stripRows, h - y);
                samples = raster.getSamples(0, y, w, rows, 0, samples);
                int o = y * w;
                for (int i = 0; i < rows * w; i++) {
                    px[o + i] = bits == 8 ? (byte) samples[i] : (byte) Math.round(samples[i] * 255.0 / max);
                }
            }
            return new RawImage(w, h, 1, px);
        }
        byte[] px = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        int[] argb = new int[Math.min(stripRows, h) * w];
        for (int y = 0; y < h; y += stripRows) {
            int rows = Math.min(stripRows, h - y);
            image.getRGB(0, y, w, rows, argb, 0, w);
            for (int i = 0, o = y * w * 3; i < rows * w; i++, o += 3) {
                int p = argb[i];
                px[o] = (byte) (p >> 16);
                px[o + 1] = (byte) (p >> 8);
                px[o + 2] = (byte) p;
            }
        }
        return new RawImage(w, h, 3, px);
    }

    private static boolean isGrey(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            return true;
        }
        var cm = image.getColorModel();
        return !(cm instanceof IndexColorModel)
                && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY
                && cm.getComponentSize(0) <= 16;
    }
}
