package org.vbpstudio.testutil;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * The convnext-micro reference ({@code src/test/resources/python/convnext_reference.py generate}):
 * a random torchvision ConvNeXt in timm's and Hugging Face's layouts, 30 PNGs of 32×32 and what
 * PyTorch computed for them in float64.
 */
public final class ConvNextFixture {
    public static final Path ROOT = Path.of("src/test/resources/fixtures/convnext-micro");
    public static final Path TIMM = ROOT.resolve("timm");
    public static final Path HF = ROOT.resolve("hf");
    public static final Path IMAGES = ROOT.resolve("images");
    public static final Path SCRIPT = Path.of("src/test/resources/python/convnext_reference.py");
    public static final int SIZE = 32;
    private static JsonObject expected;

    private ConvNextFixture() {}

    public static synchronized JsonObject expected() {
        if (expected == null) {
            expected = json(ROOT.resolve("expected.json"));
        }
        return expected;
    }

    public static JsonObject json(Path file) {
        try {
            return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static float[][] matrix(String key) {
        return Fixture.matrix(expected().getAsJsonArray(key));
    }

    /** The 30 images, read with ImageIO and normalised with ImageNet's mean/std, CHW, in expected.json's order. */
    public static float[] pixels() {
        float[] mean = {0.485f, 0.456f, 0.406f};
        float[] std = {0.229f, 0.224f, 0.225f};
        var files = expected().getAsJsonArray("files");
        float[] out = new float[files.size() * 3 * SIZE * SIZE];
        for (int i = 0; i < files.size(); i++) {
            BufferedImage img;
            try {
                img = ImageIO.read(IMAGES.resolve(files.get(i).getAsString()).toFile());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    int rgb = img.getRGB(x, y);
                    int[] c = {(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255};
                    for (int ch = 0; ch < 3; ch++) {
                        out[((i * 3 + ch) * SIZE + y) * SIZE + x] = (c[ch] / 255f - mean[ch]) / std[ch];
                    }
                }
            }
        }
        return out;
    }
}
