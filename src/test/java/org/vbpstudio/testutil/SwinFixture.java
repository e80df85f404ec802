package org.vbpstudio.testutil;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * fixtures/swin-micro: a tiny random-weight Swin v1 (timm and Hugging Face layouts), 15 images and
 * what torchvision's SwinTransformer computes for them ({@code src/test/resources/python/swin_reference.py}).
 */
public final class SwinFixture {
    public static final Path ROOT = Path.of("src/test/resources/fixtures/swin-micro");
    public static final Path TIMM = ROOT.resolve("timm");
    public static final Path HF = ROOT.resolve("hf");
    public static final Path IMAGES = ROOT.resolve("images");
    public static final Path STAGES = ROOT.resolve("stages.safetensors");
    public static final int SIZE = 32;
    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] STD = {0.229f, 0.224f, 0.225f};
    private static JsonObject expected;

    private SwinFixture() {}

    public static synchronized JsonObject expected() {
        if (expected == null) {
            try {
                expected = JsonParser.parseString(Files.readString(ROOT.resolve("expected.json"))).getAsJsonObject();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return expected;
    }

    /** {@code expected.json}'s {@code key} (a list of rows) as a matrix. */
    public static float[][] matrix(JsonObject parent, String key) {
        return Fixture.matrix(parent.getAsJsonArray(key));
    }

    public static float[][] logits() {
        return matrix(expected(), "logits");
    }

    /**
     * Images {@code indices} (of expected.json's files) normalised independently of the data
     * package: PNG → RGB → /255 → (x − mean) / std, CHW.
     */
    public static float[] pixels(int... indices) {
        JsonArray files = expected().getAsJsonArray("files");
        int plane = SIZE * SIZE;
        float[] out = new float[indices.length * 3 * plane];
        for (int n = 0; n < indices.length; n++) {
            BufferedImage img;
            try {
                img = ImageIO.read(IMAGES.resolve(files.get(indices[n]).getAsString()).toFile());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    int rgb = img.getRGB(x, y);
                    int[] c = {(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255};
                    for (int ch = 0; ch < 3; ch++) {
                        out[(n * 3 + ch) * plane + y * SIZE + x] = (c[ch] / 255f - MEAN[ch]) / STD[ch];
                    }
                }
            }
        }
        return out;
    }

    /** Every image, in expected.json's order. */
    public static float[] allPixels() {
        int n = expected().getAsJsonArray("files").size();
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        return pixels(all);
    }
}
