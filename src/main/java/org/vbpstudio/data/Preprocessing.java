package org.vbpstudio.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * The evaluation transform from a decoded image to the model's input, reproducing what
 * the model saw in timm or Hugging Face so that accuracy and activation statistics match theirs.
 *
 * <ul>
 *   <li>{@link Mode#TIMM}: resize the shorter side to {@code floor(size / cropPct)} keeping the aspect
 *       ratio (the longer side becomes {@code int(new_short * long / short)}, torchvision's rule),
 *       centre-crop {@code size x size} (offsets {@code round((d - size) / 2)}, half to even; zero
 *       padding if the image is smaller), scale by 1/255, normalise.</li>
 *   <li>{@link Mode#HF}: resize to {@code resizeSize x resizeSize} if {@link Hf#resize()}, centre-crop
 *       {@code size x size} if {@link Hf#centerCrop()} (offsets {@code floor((d - size) / 2)}, as
 *       transformers does), rescale by 1/255, normalise.</li>
 * </ul>
 * Resizing is PIL's ({@link Resampler}); sizes that do not change are not resampled, so an image
 * already at {@code size} with {@code cropPct} 1.0 is passed through exactly. Channels are converted
 * last, in float: grey into a 3-channel model is repeated, colour into a 1-channel model becomes
 * ITU-R 601 luma {@code 0.299 R + 0.587 G + 0.114 B} (not rounded). Instances are immutable and
 * thread-safe.
 *
 * @param channels      the model's input channels (1 or 3)
 * @param size          the model's input height = width
 * @param layout        which library's transform to reproduce, with the settings only it has
 * @param mean          per-channel mean (length {@code channels}; a single value is repeated)
 * @param std           per-channel std (same rule)
 * @param interpolation the resize filter: bicubic for timm, HF configs may ask for bilinear
 */
public record Preprocessing(int channels, int size, Layout layout, float[] mean, float[] std,
                            Interpolation interpolation) {

    /** Which library's transform, with the settings only that library has. */
    public sealed interface Layout {
        Mode mode();
    }

    /** timm: resize the short side to {@code size / cropPct}, centre-crop {@code size}. */
    public record Timm(double cropPct) implements Layout {
        public Timm {
            if (!(cropPct > 0 && Double.isFinite(cropPct))) {
                throw new IllegalArgumentException("crop_pct must be positive, not " + cropPct);
            }
        }

        @Override
        public Mode mode() {
            return Mode.TIMM;
        }
    }

    /**
     * Hugging Face's image processor: {@code do_resize} to a square of {@code resizeSize}, then
     * {@code do_center_crop}.
     */
    public record Hf(boolean resize, int resizeSize, boolean centerCrop) implements Layout {
        public Hf {
            if (resize && resizeSize < 1) {
                throw new IllegalArgumentException("resize size must be positive, not " + resizeSize);
            }
        }

        @Override
        public Mode mode() {
            return Mode.HF;
        }
    }

    /** Whose evaluation transform to reproduce. */
    public enum Mode { TIMM, HF }

    /**
     * The largest input size and resize target accepted, in pixels: above every published ViT
     * (518 px) with room, and small enough that one image's floats ({@code 3 x size x size}) and a
     * resize buffer stay far below Java's array limit, whatever a config or ONNX metadata declares.
     */
    public static final int MAX_SIZE = 4096;

    /**
     * Where an image of a given size goes: it is resized to {@code resizedWidth x resizedHeight},
     * then the {@code size x size} window at ({@code cropLeft}, {@code cropTop}) of the resized image
     * is taken (negative offsets or windows past the edge mean zero padding).
     */
    public record Geometry(int resizedWidth, int resizedHeight, int cropLeft, int cropTop) {
    }

    public Preprocessing {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, not " + channels);
        }
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("input size must be between 1 and " + MAX_SIZE + " pixels, not " + size);
        }
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(interpolation, "interpolation");
        if (layout instanceof Timm t && size / t.cropPct() > MAX_SIZE) {
            throw new IllegalArgumentException("crop_pct " + t.cropPct() + " would resize to " + (long) (size / t.cropPct())
                    + " pixels, more than " + MAX_SIZE);
        }
        if (layout instanceof Hf hf && hf.resize() && hf.resizeSize() > MAX_SIZE) {
            throw new IllegalArgumentException("resize size must be between 1 and " + MAX_SIZE + " pixels, not "
                    + hf.resizeSize());
        }
        if (layout instanceof Hf hf && !hf.centerCrop() && hf.resize() && hf.resizeSize() != size) {
            throw new IllegalArgumentException("resizing to " + hf.resizeSize() + " without a centre crop cannot give the "
                    + "model's input size " + size);
        }
        mean = perChannel(mean, channels, "mean");
        std = perChannel(std, channels, "std");
        for (float s : std) {
            if (!(s != 0 && Float.isFinite(s))) {
                throw new IllegalArgumentException("std must be non-zero and finite: " + Arrays.toString(std));
            }
        }
    }

    /** Which library's transform this reproduces. */
    public Mode mode() {
        return layout.mode();
    }

    private static float[] perChannel(float[] v, int channels, String what) {
        Objects.requireNonNull(v, what);
        if (v.length == channels) {
            return v.clone();
        }
        if (v.length == 1) {
            float[] r = new float[channels];
            Arrays.fill(r, v[0]);
            return r;
        }
        throw new IllegalArgumentException(what + " has " + v.length + " values but the model has "
                + channels + " input channel" + (channels == 1 ? "" : "s"));
    }

    /** timm's eval transform with bicubic resizing. */
    public static Preprocessing timm(int channels, int size, double cropPct, float[] mean, float[] std) {
        return timm(channels, size, cropPct, Interpolation.BICUBIC, mean, std);
    }

    /** timm's eval transform with the config's {@code interpolation}. */
    public static Preprocessing timm(int channels, int size, double cropPct, Interpolation interpolation,
                                     float[] mean, float[] std) {
        return new Preprocessing(channels, size, new Timm(cropPct), mean, std, interpolation);
    }

    /**
     * Hugging Face's image processor with its default {@code resample} when the config names none:
     * bilinear, as {@code ViTImageProcessor} does. Prefer the overload taking the config's value.
     */
    public static Preprocessing hf(int channels, int size, boolean doResize, int resizeSize, boolean doCenterCrop,
                                   float[] mean, float[] std) {
        return hf(channels, size, doResize, resizeSize, doCenterCrop, Interpolation.BILINEAR, mean, std);
    }

    /**
     * Hugging Face's image processor ({@code preprocessor_config.json}).
     *
     * @param size          the model's input size (the crop size, or the resize size without a crop)
     * @param doResize      {@code do_resize}
     * @param resizeSize    {@code size} of the processor (square)
     * @param doCenterCrop  {@code do_center_crop}
     * @param interpolation {@code resample} (ViT's processors use bilinear, DeiT's bicubic)
     */
    public static Preprocessing hf(int channels, int size, boolean doResize, int resizeSize, boolean doCenterCrop,
                                   Interpolation interpolation, float[] mean, float[] std) {
        return new Preprocessing(channels, size, new Hf(doResize, resizeSize, doCenterCrop), mean, std, interpolation);
    }

    /** Length of one preprocessed image: {@code channels * size * size} (at most 3 x 4096², no overflow). */
    public int outputLength() {
        return Math.multiplyExact(channels, Math.multiplyExact(size, size));
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    /** Where an image of {@code width x height} is resized and cropped. */
    public Geometry geometry(int width, int height) {
        if (layout instanceof Timm timm) {
            int scale = (int) Math.floor(size / timm.cropPct());
            int rw;
            int rh;
            if (width <= height) {
                rw = scale;
                rh = (int) ((double) ((long) scale * height) / width);
            } else {
                rh = scale;
                rw = (int) ((double) ((long) scale * width) / height);
            }
            return new Geometry(rw, rh, torchvisionOffset(rw), torchvisionOffset(rh));
        }
        Hf hf = (Hf) layout;
        int rw = hf.resize() ? hf.resizeSize() : width;
        int rh = hf.resize() ? hf.resizeSize() : height;
        if (hf.centerCrop()) {
            return new Geometry(rw, rh, Math.floorDiv(rw - size, 2), Math.floorDiv(rh - size, 2));
        }
        return new Geometry(rw, rh, 0, 0);
    }

    /** torchvision's center_crop: pad by (size - d) // 2 if too small, else round((d - size) / 2). */
    private int torchvisionOffset(int d) {
        return size > d ? -((size - d) / 2) : (int) Math.rint((d - size) / 2.0);
    }

    /** Preprocesses one image into a new CHW array of {@link #outputLength()} floats. */
    public float[] apply(RawImage img) {
        float[] out = new float[outputLength()];
        applyInto(img, out, 0);
        return out;
    }

    /**
     * Preprocesses one image into {@code out[offset .. offset + outputLength())}, CHW, so batches
     * are filled in place.
     *
     * @throws IllegalArgumentException if the image cannot reach the input size (HF without
     *                                  resize or crop and an image of another size)
     */
    public void applyInto(RawImage img, float[] out, int offset) {
        Objects.checkFromIndexSize(offset, outputLength(), out.length);
        Geometry g = geometry(img.width(), img.height());
        if (layout instanceof Hf hf && !hf.centerCrop() && (g.resizedWidth() != size || g.resizedHeight() != size)) {
            throw new IllegalArgumentException("image is " + img.width() + "x" + img.height() + " but the model input is "
                    + size + "x" + size + " and the preprocessor neither resizes nor crops");
        }
        byte[] src;
        int srcW;
        int srcH;
        int left;
        int top;
        if (g.resizedWidth() == img.width() && g.resizedHeight() == img.height()) {
            src = img.pixels();
            srcW = img.width();
            srcH = img.height();
            left = g.cropLeft();
            top = g.cropTop();
        } else {
            src = Resampler.resizeWindow(img, g.resizedWidth(), g.resizedHeight(), g.cropLeft(), g.cropTop(),
                    size, size, interpolation);
            srcW = size;
            srcH = size;
            left = 0;
            top = 0;
        }
        write(src, srcW, srcH, img.channels(), left, top, out, offset);
    }

    /** Crops the window (zeros outside), converts channels, scales and normalises into CHW floats. */
    private void write(byte[] src, int srcW, int srcH, int inC, int left, int top, float[] out, int offset) {
        int plane = size * size;
        for (int y = 0; y < size; y++) {
            int sy = top + y;
            boolean rowInside = sy >= 0 && sy < srcH;
            for (int x = 0; x < size; x++) {
                int sx = left + x;
                int o = offset + y * size + x;
                if (!rowInside || sx < 0 || sx >= srcW) {
                    for (int c = 0; c < channels; c++) {
                        out[o + c * plane] = normalised(0f, c);
                    }
                } else {
                    int p = (sy * srcW + sx) * inC;
                    if (inC == channels) {
                        for (int c = 0; c < channels; c++) {
                            out[o + c * plane] = normalised(src[p + c] & 0xFF, c);
                        }
                    } else if (inC == 1) {
                        float v = src[p] & 0xFF;
                        for (int c = 0; c < channels; c++) {
                            out[o + c * plane] = normalised(v, c);
                        }
                    } else {
                        out[o] = normalised(0.299f * (src[p] & 0xFF) + 0.587f * (src[p + 1] & 0xFF)
                                + 0.114f * (src[p + 2] & 0xFF), 0);
                    }
                }
            }
        }
    }

    /** A 0-255 value scaled and normalised exactly as the reference library does in float32. */
    private float normalised(float v, int c) {
        // torchvision's ToTensor divides in float32; transformers multiplies in float64 by 1/255.
        float scaled = layout instanceof Timm ? v / 255f : (float) (v * (1.0 / 255.0));
        return (scaled - mean[c]) / std[c];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preprocessing p && channels == p.channels && size == p.size
                && layout.equals(p.layout) && Arrays.equals(mean, p.mean) && Arrays.equals(std, p.std) && interpolation == p.interpolation;
    }

    @Override
    public int hashCode() {
        return Objects.hash(channels, size, layout, Arrays.hashCode(mean), Arrays.hashCode(std), interpolation);
    }

    @Override
    public String toString() {
        String filter = interpolation.name().toLowerCase(Locale.ROOT);
        if (layout instanceof Timm timm) {
            return String.format(Locale.ROOT, "timm(%d ch, %d px, crop_pct %s, %s, mean %s, std %s)", channels, size,
                    timm.cropPct(), filter, Arrays.toString(mean), Arrays.toString(std));
        }
        Hf hf = (Hf) layout;
        return String.format(Locale.ROOT, "hf(%d ch, %d px, resize %s, crop %s, %s, mean %s, std %s)", channels, size,
                hf.resize() ? hf.resizeSize() : "no", hf.centerCrop() ? "yes" : "no", filter, Arrays.toString(mean),
                Arrays.toString(std));
    }
}
