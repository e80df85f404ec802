package org.vbpstudio.data;

import java.util.Arrays;

/**
 * PIL's {@code Image.resize} for 8-bit images (libImaging/Resample.c), reimplemented so that
 * preprocessing gives the same pixels timm and Hugging Face get from PIL: a separable convolution
 * (horizontal pass, then vertical), the filter's support widened by the downscale factor
 * (antialiasing), PIL's coordinate mapping {@code center = (i + 0.5) * scale}, weights normalised
 * and converted to 22-bit fixed point, and results rounded and clamped to uint8 after each pass.
 * A pass whose size does not change is skipped, as in PIL. Only a window of the output is
 * computed, so a centre crop never pays for the pixels it throws away.
 */
final class Resampler {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final int HALF = 1 << (PRECISION_BITS - 1);
    private static final int MAX = 1 << PRECISION_BITS << 8;

    private Resampler() {
    }

    /** PIL's filter kernel (support before widening). */
    static double kernel(Interpolation f, double x) {
        if (x < 0.0) {
            x = -x;
        }
        switch (f) {
            case BILINEAR:
                return x < 1.0 ? 1.0 - x : 0.0;
            case BICUBIC:
            default:
                final double a = -0.5;
                if (x < 1.0) {
                    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                }
                if (x < 2.0) {
                    return (((x - 5) * x + 8) * x - 4) * a;
                }
                return 0.0;
        }
    }

    private static double support(Interpolation f) {
        return f == Interpolation.BILINEAR ? 1.0 : 2.0;
    }

    /** Fixed-point weights for output positions [from, to) of a 1-D resize inSize to outSize. */
    static final class Coeffs {
        final int[] min;
        final int[] len;
        final int[] k;
        final int ksize;

        Coeffs(int[] min, int[] len, int[] k, int ksize) {
            this.min = min;
            this.len = len;
            this.k = k;
            this.ksize = ksize;
        }
    }

    /** PIL's precompute_coeffs followed by normalize_coeffs_8bpc, for a sub-range of outputs. */
    static Coeffs coeffs(int inSize, int outSize, int from, int to, Interpolation f) {
        double scale = (double) inSize / outSize;
        double filterscale = Math.max(scale, 1.0);
        double support = support(f) * filterscale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int n = to - from;
        int[] min = new int[n];
        int[] len = new int[n];
        int[] k = new int[n * ksize];
        double[] w = new double[ksize];
        double ss = 1.0 / filterscale;
        for (int o = 0; o < n; o++) {
            double center = (from + o + 0.5) * scale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) {
                xmin = 0;
            }
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) {
                xmax = inSize;
            }
            xmax = Math.min(xmax - xmin, ksize);
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                w[x] = kernel(f, (x + xmin - center + 0.5) * ss);
                ww += w[x];
            }
            for (int x = 0; x < xmax; x++) {
                double v = ww != 0.0 ? w[x] / ww : w[x];
                k[o * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS))
                        : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            min[o] = xmin;
            len[o] = xmax;
        }
        return new Coeffs(min, len, k, ksize);
    }

    private static int clip8(int v) {
        if (v >= MAX) {
            return 255;
        }
        if (v <= 0) {
            return 0;
        }
        return v >> PRECISION_BITS;
    }

    /**
     * Resizes {@code img} to {@code outW x outH} and returns only the window of {@code winW x winH}
     * output pixels whose top-left corner is ({@code left}, {@code top}) in the resized image; window
     * pixels outside the resized image are 0 (the zero padding of a centre crop larger than the image).
     *
     * @return HWC bytes of the window, {@code img.channels()} per pixel
     */
    static byte[] resizeWindow(RawImage img, int outW, int outH, int left, int top, int winW, int winH,
                               Interpolation f) {
        int c = img.channels();
        int inW = img.width();
        int inH = img.height();
        byte[] window = new byte[winW * winH * c];
        int x0 = Math.max(left, 0);
        int x1 = Math.min(left + winW, outW);
        int y0 = Math.max(top, 0);
        int y1 = Math.min(top + winH, outH);
        if (x0 >= x1 || y0 >= y1) {
            return window;
        }
        boolean horizontal = outW != inW;
        boolean vertical = outH != inH;
        int cols = x1 - x0;

        // Rows of the source the vertical pass reads (or, without one, the rows copied through).
        Coeffs vc = null;
        int r0 = y0;
        int r1 = y1;
        if (vertical) {
            vc = coeffs(inH, outH, y0, y1, f);
            r0 = Integer.MAX_VALUE;
            r1 = 0;
            for (int o = 0; o < vc.min.length; o++) {
                r0 = Math.min(r0, vc.min[o]);
                r1 = Math.max(r1, vc.min[o] + vc.len[o]);
            }
        }
        int rows = r1 - r0;

        // Horizontal pass (or a plain copy of the needed columns) into temp: rows x cols x c.
        byte[] src = img.pixels();
        byte[] temp = new byte[rows * cols * c];
        if (horizontal) {
            Coeffs hc = coeffs(inW, outW, x0, x1, f);
            int[] acc = new int[c];
            for (int y = 0; y < rows; y++) {
                int rowBase = (r0 + y) * inW;
                for (int o = 0; o < cols; o++) {
                    Arrays.fill(acc, HALF);
                    int kBase = o * hc.ksize;
                    int xmin = hc.min[o];
                    for (int x = 0; x < hc.len[o]; x++) {
                        int kv = hc.k[kBase + x];
                        int p = (rowBase + xmin + x) * c;
                        for (int ch = 0; ch < c; ch++) {
                            acc[ch] += (src[p + ch] & 0xFF) * kv;
                        }
                    }
                    int q = (y * cols + o) * c;
                    for (int ch = 0; ch < c; ch++) {
                        temp[q + ch] = (byte) clip8(acc[ch]);
                    }
                }
            }
        } else {
            for (int y = 0; y < rows; y++) {
                System.arraycopy(src, ((r0 + y) * inW + x0) * c, temp, y * cols * c, cols * c);
            }
        }

        // Vertical pass (or a copy) into the window at (x0 - left, y0 - top).
        int wx = x0 - left;
        int wy = y0 - top;
        if (vertical) {
            int[] acc = new int[c];
            for (int o = 0; o < y1 - y0; o++) {
                int kBase = o * vc.ksize;
                int ymin = vc.min[o] - r0;
                int outRow = (wy + o) * winW;
                for (int x = 0; x < cols; x++) {
                    Arrays.fill(acc, HALF);
                    for (int y = 0; y < vc.len[o]; y++) {
                        int kv = vc.k[kBase + y];
                        int p = ((ymin + y) * cols + x) * c;
                        for (int ch = 0; ch < c; ch++) {
                            acc[ch] += (temp[p + ch] & 0xFF) * kv;
                        }
                    }
                    int q = (outRow + wx + x) * c;
                    for (int ch = 0; ch < c; ch++) {
                        window[q + ch] = (byte) clip8(acc[ch]);
                    }
                }
            }
        } else {
            for (int y = 0; y < rows; y++) {
                System.arraycopy(temp, y * cols * c, window, ((wy + y) * winW + wx) * c, cols * c);
            }
        }
        return window;
    }
}
