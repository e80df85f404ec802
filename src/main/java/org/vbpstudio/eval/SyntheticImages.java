package org.vbpstudio.eval;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.FileTrees;

/**
 * Deterministic PNGs for benchmarks: smooth colour gradients plus noise, so PNG decoding costs
 * what it costs on photographs of that size (flat images compress too well to be representative).
 */
public final class SyntheticImages {
    private SyntheticImages() {}

    /** Synthetic images at most: each is a few hundred KB of noise, so more would only fill the disk. */
    public static final int MAX_IMAGES = 10_000;

    /**
     * A temporary folder of images, removed by {@link #close} or, if the process is stopped first
     * (SIGTERM, Ctrl+C), by a shutdown hook.
     */
    public static final class Folder implements AutoCloseable {
        private final Path path;
        private final Thread hook;

        private Folder(Path path) {
            this.path = path;
            this.hook = new Thread(this::delete, "remove " + path);
            Runtime.getRuntime().addShutdownHook(hook);
        }

        public Path path() {
            return path;
        }

        private void delete() {
            try {
                FileTrees.deleteRecursively(path);
            } catch (IOException e) {
                // best effort: a temporary folder left behind is reported by nobody
            }
        }

        @Override
        public void close() {
            delete();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs anyway
            }
        }
    }

    /**
     * @throws BadInputException naming the largest count allowed: {@link #MAX_IMAGES}, and what half
     *                           the temporary folder's free space holds at the images' uncompressed size
     */
    public static void checkCount(int n, int width, int height) throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long perImage = 3L * width * height + 1024; // PNG of noise: at most about the raw pixels
        long fits = Files.getFileStore(tmp).getUsableSpace() / 2 / perImage;
        long largest = Math.min(MAX_IMAGES, fits);
        if (n < 1 || n > largest) {
            throw new BadInputException("--synthetic-images must be from 1 to " + largest + " (at most " + MAX_IMAGES
                    + ", and half the free space of " + tmp + "), got " + n);
        }
    }

    /** Writes {@code n} images ({@link #checkCount}) into a new temporary flat folder. */
    public static Folder write(int n, int width, int height, long seed) throws IOException {
        checkCount(n, width, height);
        Folder folder = new Folder(Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "vbp-bench-images"));
        try {
            Random rnd = new Random(seed);
            for (int i = 0; i < n; i++) {
                Path f = folder.path().resolve(String.format("img_%05d.png", i));
                ImageIO.write(image(rnd, width, height), "png", f.toFile());
            }
            return folder;
        } catch (IOException | RuntimeException e) {
            folder.close();
            throw e;
        }
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
