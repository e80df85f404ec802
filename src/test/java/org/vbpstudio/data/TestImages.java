package org.vbpstudio.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;

/** Builds small test inputs at run time, so tests ship no binaries besides the shared fixture. */
final class TestImages {
    private TestImages() {
    }

    /** A deterministic, structured 0-255 pattern (the same formula generated the PIL references). */
    static int pattern(int x, int y, int c) {
        return (x * 37 + y * 91 + c * 53 + ((x * y) % 17) * 7) % 256;
    }

    static RawImage patternImage(int w, int h, int c) {
        byte[] px = new byte[w * h * c];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < c; ch++) {
                    px[(y * w + x) * c + ch] = (byte) pattern(x, y, ch);
                }
            }
        }
        return new RawImage(w, h, c, px);
    }

    static RawImage constant(int w, int h, int c, int value) {
        byte[] px = new byte[w * h * c];
        Arrays.fill(px, (byte) value);
        return new RawImage(w, h, c, px);
    }

    /** Writes an RGB PNG whose pixels are {@code pattern} shifted by {@code seed}. */
    static Path writeRgbPng(Path file, int w, int h, int seed) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = pattern(x + seed, y, 0);
                int g = pattern(x, y + seed, 1);
                int b = pattern(x + seed, y + seed, 2);
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return write(img, "png", file);
    }

    static Path write(BufferedImage img, String format, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(img, format, file.toFile())) {
            throw new IOException("no writer for " + format);
        }
        return file;
    }

    /** An IDX3 images file: n images of rows x cols, pixel = (i * 31 + p) % 256. */
    static Path writeIdxImages(Path file, int n, int rows, int cols, boolean gzip) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00000803);
        out.writeInt(n);
        out.writeInt(rows);
        out.writeInt(cols);
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < rows * cols; p++) {
                out.writeByte(idxPixel(i, p));
            }
        }
        return store(file, bytes.toByteArray(), gzip);
    }

    static int idxPixel(int i, int p) {
        return (i * 31 + p) % 256;
    }

    static Path writeIdxLabels(Path file, int[] labels, boolean gzip) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00000801);
        out.writeInt(labels.length);
        for (int l : labels) {
            out.writeByte(l);
        }
        return store(file, bytes.toByteArray(), gzip);
    }

    static Path store(Path file, byte[] content, boolean gzip) throws IOException {
        Files.createDirectories(file.getParent());
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(content);
        }
        return file;
    }

    /** The vit-micro fixture's images (ImageFolder, 5 classes x 6 RGB PNGs of 16x16) on the test classpath. */
    static Path fixtureImages() {
        try {
            var url = TestImages.class.getResource("/fixtures/vit-micro/images");
            if (url == null) {
                throw new IllegalStateException("test resource fixtures/vit-micro/images is missing");
            }
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
