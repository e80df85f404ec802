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
 * The vit-micro reference (a copy of ../shared/fixtures/vit-micro in test resources): a random
 * timm ViT, its HF twin, 30 PNGs and the outputs PyTorch computed for them.
 */
public final class Fixture {
    public static final Path ROOT = Path.of("src/test/resources/fixtures/vit-micro");
    public static final Path TIMM = ROOT.resolve("timm");
    public static final Path HF = ROOT.resolve("hf");
    public static final Path IMAGES = ROOT.resolve("images");
    private static JsonObject expected;

    private Fixture() {}

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

    public static float[][] matrix(JsonArray rows) {
        float[][] m = new float[rows.size()][];
        for (int i = 0; i < m.length; i++) {
            JsonArray r = rows.get(i).getAsJsonArray();
            m[i] = new float[r.size()];
            for (int j = 0; j < m[i].length; j++) {
                m[i][j] = r.get(j).getAsFloat();
            }
        }
        return m;
    }

    public static float[][] matrix(String key) {
        return matrix(expected().getAsJsonArray(key));
    }

    /**
     * How many of the images {@code 0, step, 2·step, …} the reference PyTorch logits classify right
     * (the first of equal maxima, as argmax): an accuracy computed without this project's code.
     */
    public static int referenceCorrect(int step) {
        float[][] logits = matrix("logits");
        JsonArray labels = expected().getAsJsonArray("labels");
        int correct = 0;
        for (int i = 0; i < logits.length; i += step) {
            int best = 0;
            for (int k = 1; k < logits[i].length; k++) {
                best = logits[i][k] > logits[i][best] ? k : best;
            }
            correct += best == labels.get(i).getAsInt() ? 1 : 0;
        }
        return correct;
    }

    /**
     * The 30 images normalised independently of the data package: PNG → RGB bytes → /255 →
     * (x - mean) / std with the given per-channel constants, CHW, in expected.json's file order.
     */
    public static float[] pixels(float[] mean, float[] std) {
        JsonArray files = expected().getAsJsonArray("files");
        int n = files.size();
        float[] out = new float[n * 3 * 16 * 16];
        for (int i = 0; i < n; i++) {
            BufferedImage img;
            try {
                img = ImageIO.read(IMAGES.resolve(files.get(i).getAsString()).toFile());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            for (int y = 0; y < 16; y++) {
                for (int x = 0; x < 16; x++) {
                    int rgb = img.getRGB(x, y);
                    int[] c = {(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255};
                    for (int ch = 0; ch < 3; ch++) {
                        out[((i * 3 + ch) * 16 + y) * 16 + x] = (c[ch] / 255f - mean[ch]) / std[ch];
                    }
                }
            }
        }
        return out;
    }

    public static float[] imagenetPixels() {
        return pixels(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
    }

    public static void assertClose(float[][] expected, float[] actualFlat, double tol) {
        int k = expected[0].length;
        if (actualFlat.length != expected.length * k) {
            throw new AssertionError("expected " + expected.length * k + " values, got " + actualFlat.length);
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < k; j++) {
                worst = Math.max(worst, Math.abs(expected[i][j] - actualFlat[i * k + j]));
            }
        }
        if (worst > tol) {
            throw new AssertionError("max |difference| " + worst + " exceeds " + tol);
        }
    }
}
