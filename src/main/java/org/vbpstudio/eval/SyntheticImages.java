package org.vbpstudio.eval;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Deterministic PNGs for benchmarks: smooth colour gradients plus noise, so PNG decoding costs
 * what it costs on photographs of that size (flat images compress too well to be representative).
 */
public final class SyntheticImages {
    private SyntheticImages() {}

    /** Writes {@code n} images into a new temporary flat folder, deleted when the JVM exits. */
    public static Path write(int n, int width, int height, long seed) throws IOException {
        Path dir = Files.createTempDirectory("vbp-bench-images");
        dir.toFile().deleteOnExit();
        Random rnd = new Random(seed);
        for (int i = 0; i < n; i++) {
            Path f = dir.resolve(String.format("img_%05d.png", i));
            ImageIO.write(image(rnd, width, height), "png", f.toFile());
            f.toFile().deleteOnExit();
        }
        return dir;
    }

    /** One image: gradients of random frequency plus noise, drawn from {@code rnd}. */
    public static BufferedImage image(Random rnd, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        double fx = rnd.nextDouble() * 0.1;
        double fy = rnd.nextDouble() * 0.1;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int r = clamp(128 + 100 * Math.sin(fx * x) + rnd.nextInt(40) - 20);
                int g = clamp(128 + 100 * Math.cos(fy * y) + rnd.nextInt(40) - 20);
                int b = clamp(128 + 60 * Math.sin(fx * x + fy * y) + rnd.nextInt(40) - 20);
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, v));
    }
}
