package org.vbpstudio.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Arrays;
import java.util.function.IntToDoubleFunction;
import javax.imageio.ImageIO;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.vbpstudio.data.Preprocessing.Geometry;

class PreprocessingTest {
    static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    static final float[] STD = {0.229f, 0.224f, 0.225f};

    private static int[] resize(RawImage img, int w, int h, Interpolation f) {
        byte[] out = Resampler.resizeWindow(img, w, h, 0, 0, w, h, f);
        int[] r = new int[out.length];
        for (int i = 0; i < out.length; i++) {
            r[i] = out[i] & 0xFF;
        }
        return r;
    }

    // ---- identity and channels ----

    @Test
    void fixtureImageAtInputSizeIsTheIdentityOnPixelValues() throws IOException {
        ImageSource source = ImageSources.open(TestImages.fixtureImages());
        Preprocessing timm = Preprocessing.timm(3, 16, 1.0, MEAN, STD);
        Preprocessing hf = Preprocessing.hf(3, 16, true, 16, false, Interpolation.BICUBIC, MEAN, STD);
        for (int i : new int[] {0, 13, 29}) {
            // Independent decode: AWT's getRGB of the PNG file.
            BufferedImage png = ImageIO.read(TestImages.fixtureImages().resolve(source.name(i)).toFile());
            float[] t = timm.apply(source.read(i));
            float[] h = hf.apply(source.read(i));
            assertEquals(3 * 16 * 16, t.length);
            for (int y = 0; y < 16; y++) {
                for (int x = 0; x < 16; x++) {
                    int rgb = png.getRGB(x, y);
                    for (int c = 0; c < 3; c++) {
                        int p = (rgb >> (16 - 8 * c)) & 0xFF;
                        int o = c * 256 + y * 16 + x;
                        assertEquals((p / 255f - MEAN[c]) / STD[c], t[o], 0f, "timm at " + o);
                        assertEquals(((float) (p * (1.0 / 255)) - MEAN[c]) / STD[c], h[o], 0f, "hf at " + o);
                    }
                }
            }
        }
    }

    @Test
    void greyImageFeedsThreeChannelsByRepetition() {
        RawImage square = TestImages.patternImage(4, 4, 1);
        float[] out = Preprocessing.timm(3, 4, 1.0, MEAN, STD).apply(square);
        for (int c = 0; c < 3; c++) {
            for (int k = 0; k < 16; k++) {
                int p = square.pixels()[k] & 0xFF;
                assertEquals((p / 255f - MEAN[c]) / STD[c], out[c * 16 + k], 0f);
            }
        }
        assertEquals(3 * 16, out.length);
    }

    @Test
    void colourImageFeedsOneChannelByUnroundedLuma() {
        byte[] px = {(byte) 255, 0, 0, 0, (byte) 255, 0, 0, 0, (byte) 255, 10, 20, 30};
        RawImage rgb = new RawImage(2, 2, 3, px);
        float[] out = Preprocessing.timm(1, 2, 1.0, new float[] {0f}, new float[] {1f}).apply(rgb);
        assertEquals(4, out.length);
        assertEquals(0.299, out[0], 1e-6);
        assertEquals(0.587, out[1], 1e-6);
        assertEquals(0.114, out[2], 1e-6);
        assertEquals((0.299 * 10 + 0.587 * 20 + 0.114 * 30) / 255, out[3], 1e-6);

        float[] norm = Preprocessing.timm(1, 2, 1.0, new float[] {0.5f}, new float[] {0.25f}).apply(rgb);
        assertEquals((0.299 - 0.5) / 0.25, norm[0], 1e-5);
    }

    // ---- resampling against PIL ----

    @Test
    void resamplerReproducesPillowExactly() {
        assertArrayEquals(PilReference.L_8X6_TO_4X3,
                resize(TestImages.patternImage(8, 6, 1), 4, 3, Interpolation.BICUBIC));
        assertArrayEquals(PilReference.RGB_7X5_TO_3X4,
                resize(TestImages.patternImage(7, 5, 3), 3, 4, Interpolation.BICUBIC));
        assertArrayEquals(PilReference.RGB_10X13_TO_6X7_BILINEAR,
                resize(TestImages.patternImage(10, 13, 3), 6, 7, Interpolation.BILINEAR));
        assertArrayEquals(PilReference.L_5X5_TO_9X9,
                resize(TestImages.patternImage(5, 5, 1), 9, 9, Interpolation.BICUBIC));
        assertArrayEquals(PilReference.L_9X4_TO_9X2,
                resize(TestImages.patternImage(9, 4, 1), 9, 2, Interpolation.BICUBIC));
    }

    @Test
    void timmTransformOfANonSquareImageMatchesTorchvisionOnPil() {
        Preprocessing prep = Preprocessing.timm(3, 8, 0.875, MEAN, STD);
        float[] out = prep.apply(TestImages.patternImage(20, 13, 3));
        assertEquals(PilReference.TIMM_RGB_20X13.length, out.length);
        for (int i = 0; i < out.length; i++) {
            assertEquals(PilReference.TIMM_RGB_20X13[i], out[i], 1e-6f, "at " + i);
        }
    }

    /** PIL's bicubic kernel (a = -0.5), written out independently of the implementation. */
    private static double cubic(double t) {
        t = Math.abs(t);
        if (t < 1) {
            return 1.5 * t * t * t - 2.5 * t * t + 1;
        }
        if (t < 2) {
            return -0.5 * t * t * t + 2.5 * t * t - 4 * t + 2;
        }
        return 0;
    }

    /** Antialiased downscale by 2 at output position o: kernel stretched by 2, normalised over the image. */
    private static double halve(int o, int n, IntToDoubleFunction pixel) {
        double sum = 0;
        double wsum = 0;
        for (int x = 0; x < n; x++) {
            double w = cubic((x + 0.5 - 2 * (o + 0.5)) / 2);
            sum += w * pixel.applyAsDouble(x);
            wsum += w;
        }
        return Math.max(0, Math.min(255, sum / wsum));
    }

    @Test
    void downscaleByTwoMatchesTheDirectAntialiasedBicubicFormula() {
        // 1-D (height unchanged: only the horizontal pass runs, a single rounding).
        RawImage row = TestImages.patternImage(16, 1, 1);
        int[] got = resize(row, 8, 1, Interpolation.BICUBIC);
        for (int o = 0; o < 8; o++) {
            double expected = halve(o, 16, x -> row.get(x, 0, 0));
            assertEquals(expected, got[o], 0.5 + 1e-6, "column " + o);
        }
        // 2-D: direct separable formula without the rounding between passes (PIL rounds once more,
        // so allow a little over one grey level).
        RawImage img = TestImages.patternImage(12, 10, 3);
        int[] got2 = resize(img, 6, 5, Interpolation.BICUBIC);
        for (int oy = 0; oy < 5; oy++) {
            for (int ox = 0; ox < 6; ox++) {
                for (int c = 0; c < 3; c++) {
                    final int fox = ox;
                    final int fc = c;
                    double expected = halve(oy, 10, y -> {
                        double s = 0;
                        double ws = 0;
                        for (int x = 0; x < 12; x++) {
                            double w = cubic((x + 0.5 - 2 * (fox + 0.5)) / 2);
                            s += w * img.get(x, y, fc);
                            ws += w;
                        }
                        return s / ws;
                    });
                    assertEquals(expected, got2[(oy * 6 + ox) * 3 + c], 1.05, "at " + ox + "," + oy + "," + c);
                }
            }
        }
    }

    @Property(tries = 150)
    void constantImagesStayConstant(@ForAll @IntRange(min = 1, max = 40) int w, @ForAll @IntRange(min = 1, max = 40) int h,
                                    @ForAll @IntRange(min = 1, max = 40) int ow, @ForAll @IntRange(min = 1, max = 40) int oh,
                                    @ForAll @IntRange(min = 0, max = 255) int value, @ForAll boolean bilinear) {
        int[] out = resize(TestImages.constant(w, h, 3, value), ow, oh,
                bilinear ? Interpolation.BILINEAR : Interpolation.BICUBIC);
        for (int v : out) {
            assertEquals(value, v);
        }
    }

    // ---- geometry ----

    @Test
    void timmResizesTheShorterSideThenCentreCropsWithHalfToEvenOffsets() {
        Preprocessing p = Preprocessing.timm(3, 8, 0.875, MEAN, STD); // resize to floor(8 / 0.875) = 9
        assertEquals(new Geometry(13, 9, 2, 0), p.geometry(20, 13)); // int(9 * 20 / 13) = 13; round(2.5) = 2
        assertEquals(new Geometry(9, 13, 0, 2), p.geometry(13, 20));
        assertEquals(new Geometry(9, 13, 0, 2), p.geometry(4, 6)); // upscale: int(9 * 6 / 4) = 13
        assertEquals(new Geometry(9, 9, 0, 0), p.geometry(30, 30));
        Preprocessing q = Preprocessing.timm(3, 8, 1.0, MEAN, STD);
        assertEquals(new Geometry(11, 8, 2, 0), q.geometry(11, 8)); // round(1.5) = 2, no resize
        assertEquals(new Geometry(8, 8, 0, 0), q.geometry(8, 8));
        Geometry deit = Preprocessing.timm(3, 224, 0.875, MEAN, STD).geometry(500, 375);
        assertEquals(new Geometry(341, 256, 58, 16), deit); // int(256 * 500 / 375) = 341, round(58.5) = 58
        assertEquals(3 * 64, p.apply(TestImages.patternImage(20, 13, 3)).length);
    }

    @Test
    void cropWithoutResizeTakesTheCentreWindow() {
        RawImage img = TestImages.patternImage(11, 8, 1);
        float[] out = Preprocessing.timm(1, 8, 1.0, new float[] {0f}, new float[] {1f}).apply(img);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                assertEquals(img.get(x + 2, y, 0) / 255f, out[y * 8 + x], 0f);
            }
        }
    }

    @Test
    void cropLargerThanTheImagePadsWithZeroPixels() {
        Preprocessing p = Preprocessing.timm(1, 10, 1.25, new float[] {0.5f}, new float[] {0.5f}); // floor(10/1.25) = 8
        assertEquals(new Geometry(8, 8, -1, -1), p.geometry(8, 8));
        RawImage img = TestImages.patternImage(8, 8, 1);
        float[] out = p.apply(img);
        float zero = (0f - 0.5f) / 0.5f;
        for (int k = 0; k < 10; k++) {
            assertEquals(zero, out[k], 0f);
            assertEquals(zero, out[9 * 10 + k], 0f);
            assertEquals(zero, out[k * 10], 0f);
            assertEquals(zero, out[k * 10 + 9], 0f);
        }
        assertEquals((img.get(0, 0, 0) / 255f - 0.5f) / 0.5f, out[11], 0f);
        assertEquals((img.get(7, 7, 0) / 255f - 0.5f) / 0.5f, out[88], 0f);
    }

    @Test
    void hfResizesToASquareThenCropsWithFloorOffsets() {
        Preprocessing crop = Preprocessing.hf(3, 7, true, 10, true, Interpolation.BICUBIC, MEAN, STD);
        assertEquals(new Geometry(10, 10, 1, 1), crop.geometry(31, 17));
        Preprocessing pad = Preprocessing.hf(3, 13, true, 10, true, Interpolation.BICUBIC, MEAN, STD);
        assertEquals(new Geometry(10, 10, -2, -2), pad.geometry(5, 5));
        Preprocessing resize = Preprocessing.hf(3, 6, true, 6, false, MEAN, STD);
        assertEquals(Interpolation.BILINEAR, resize.interpolation());
        assertEquals(new Geometry(6, 6, 0, 0), resize.geometry(10, 13));

        // The whole HF transform against transformers' arithmetic on PIL's resize.
        Preprocessing bilinear = Preprocessing.hf(3, 6, true, 7, true, Interpolation.BILINEAR,
                new float[] {0.5f}, new float[] {0.5f});
        assertEquals(new Geometry(7, 7, 0, 0), bilinear.geometry(10, 13));
        float[] out = bilinear.apply(TestImages.patternImage(10, 13, 3));
        assertEquals(PilReference.HF_RGB_10X13.length, out.length);
        for (int i = 0; i < out.length; i++) {
            assertEquals(PilReference.HF_RGB_10X13[i], out[i], 1e-6f, "at " + i);
        }

        Preprocessing none = Preprocessing.hf(3, 6, false, 0, false, MEAN, STD);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> none.apply(TestImages.patternImage(7, 6, 3)));
        assertTrue(e.getMessage().contains("7x6"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Preprocessing.hf(3, 6, true, 8, false, MEAN, STD));
    }

    @Test
    void applyIntoFillsOnlyItsSlot() {
        Preprocessing p = Preprocessing.timm(3, 8, 0.875, MEAN, STD);
        RawImage a = TestImages.patternImage(20, 13, 3);
        RawImage b = TestImages.patternImage(9, 9, 1);
        int len = p.outputLength();
        float[] batch = new float[2 * len + 1];
        batch[2 * len] = 42f;
        p.applyInto(a, batch, 0);
        p.applyInto(b, batch, len);
        assertArrayEquals(p.apply(a), Arrays.copyOfRange(batch, 0, len));
        assertArrayEquals(p.apply(b), Arrays.copyOfRange(batch, len, 2 * len));
        assertEquals(42f, batch[2 * len]);
        assertThrows(IndexOutOfBoundsException.class, () -> p.applyInto(a, batch, len + 2));
    }

    @Test
    void validatesMeanStdAndBroadcastsASingleValue() {
        assertThrows(IllegalArgumentException.class,
                () -> Preprocessing.timm(1, 8, 1.0, MEAN, STD));
        assertThrows(IllegalArgumentException.class,
                () -> Preprocessing.timm(3, 8, 1.0, MEAN, new float[] {1f, 0f, 1f}));
        assertThrows(IllegalArgumentException.class,
                () -> Preprocessing.timm(3, 8, 0.0, MEAN, STD));
        Preprocessing p = Preprocessing.timm(3, 8, 1.0, new float[] {0.5f}, new float[] {0.25f});
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, p.mean());
        assertEquals(p, Preprocessing.timm(3, 8, 1.0, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f}));
        assertEquals(Interpolation.BICUBIC, Interpolation.parse("bicubic"));
        assertEquals(Interpolation.BILINEAR, Interpolation.parse("2"));
        assertThrows(IllegalArgumentException.class, () -> Interpolation.parse("lanczos"));
    }

    /** 46,341² and 65,536² overflowed int (negative lengths, empty arrays): sizes are now bounded and exact. */
    @Test
    void sizesAreBoundedSoTheLengthNeverOverflows() {
        float[] m = {0.5f};
        assertEquals(3L * 4096 * 4096, Preprocessing.timm(3, Preprocessing.MAX_SIZE, 1.0, m, m).outputLength());
        for (int size : new int[] {Preprocessing.MAX_SIZE + 1, 46341, 65536, Integer.MAX_VALUE, 0, -1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Preprocessing.timm(3, size, 1.0, m, m));
            assertTrue(e.getMessage().contains("input size must be between 1 and 4096"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Preprocessing.hf(3, 224, true, 65536, true, m, m));
        // crop_pct 0.01 would resize a 224 px input's shorter side to 22,400 pixels
        assertThrows(IllegalArgumentException.class, () -> Preprocessing.timm(3, 224, 0.01, m, m));
    }
}
