package org.vbpstudio.testutil;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;

/**
 * Small valid images and their headers patched to declare other sizes, as the hostile
 * files did (a 291-byte JPEG declaring 26000 x 26000); IDX files with any header.
 */
public final class HostileImages {
    private HostileImages() {}

    /** A small valid image in {@code format} (png, jpg, gif, bmp), RGB noise from {@code seed}. */
    public static byte[] image(String format, int w, int h, long seed) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalArgumentException("no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** {@code image} with its declared size replaced, wherever its format keeps it. */
    public static byte[] declare(String format, byte[] image, int w, int h) {
        try {
            return declareUnchecked(format, image, w, h);
        } catch (IndexOutOfBoundsException e) {
            return image.clone(); // an earlier edit cut the header short: nothing to declare
        }
    }

    private static byte[] declareUnchecked(String format, byte[] image, int w, int h) {
        byte[] b = image.clone();
        switch (format) {
            case "png" -> { // IHDR is the first chunk: length, "IHDR", width, height …, CRC
                ByteBuffer bb = ByteBuffer.wrap(b);
                bb.putInt(16, w).putInt(20, h);
                CRC32 crc = new CRC32();
                crc.update(b, 12, 17);
                bb.putInt(29, (int) crc.getValue());
            }
            case "jpg" -> { // every SOFn: FF Cn, length, precision, height, width
                for (int i = 2; i + 8 < b.length; i++) {
                    int m = b[i + 1] & 0xFF;
                    if ((b[i] & 0xFF) == 0xFF && m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
                        ByteBuffer.wrap(b).putShort(i + 5, (short) h).putShort(i + 7, (short) w);
                        break;
                    }
                }
            }
            case "gif" -> { // logical screen at 6, then (after a colour table) the image descriptor
                ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                bb.putShort(6, (short) w).putShort(8, (short) h);
                int packed = b[10] & 0xFF;
                int start = 13 + ((packed & 0x80) != 0 ? 3 << ((packed & 7) + 1) : 0);
                for (int i = start; i + 9 < b.length; i++) {
                    if (b[i] == 0x2C) {
                        bb.putShort(i + 5, (short) w).putShort(i + 7, (short) h);
                        break;
                    }
                    if (b[i] == 0x21) { // extension: skip its sub-blocks
                        int j = i + 2;
                        while (j < b.length && b[j] != 0) {
                            j += (b[j] & 0xFF) + 1;
                        }
                        i = j;
                    }
                }
            }
            case "bmp" -> ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(18, w).putInt(22, h);
            default -> throw new IllegalArgumentException(format);
        }
        return b;
    }

    /** An IDX images file: the header as given, then {@code body}, gzipped if asked. */
    public static byte[] idxImages(int count, int rows, int cols, byte[] body, boolean gzip) {
        ByteBuffer h = ByteBuffer.allocate(16).putInt(0x00000803).putInt(count).putInt(rows).putInt(cols);
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        raw.writeBytes(h.array());
        raw.writeBytes(body);
        return gzip ? gzip(raw.toByteArray()) : raw.toByteArray();
    }

    public static byte[] gzip(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
