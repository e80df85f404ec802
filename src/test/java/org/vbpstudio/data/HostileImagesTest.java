package org.vbpstudio.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.testutil.HostileImages;

/** Images larger than the pixel limit are refused from their header, IDX files included. */
class HostileImagesTest {
    @TempDir
    Path tmp;

    @AfterEach
    void resetLimit() {
        ImageLimits.override(0);
    }

    private static String bad(Path file, Runnable r) {
        BadInputException e = assertThrows(BadInputException.class, r::run);
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.contains(file.getFileName().toString()), m);
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"png", "jpg", "gif", "bmp"})
    void hugeDeclaredSizeIsRefusedBeforeDecoding(String format) throws IOException {
        // the JPEG was 291 bytes declaring 26000 x 26000; GIF/PNG 46000 x 46000
        byte[] small = HostileImages.image(format, 16, 12, 1);
        Path f = Files.write(tmp.resolve("huge." + format), HostileImages.declare(format, small, 26000, 26000));
        String m = bad(f, () -> ImageFiles.decode(f));
        // the JDK's BMP reader refuses this header itself (its data cannot fill 26000 x 26000)
        assertTrue(m.contains("26000 x 26000") && m.contains("--max-image-pixels")
                || format.equals("bmp") && m.contains("Invalid width/height"), m);
        Path ok = Files.write(tmp.resolve("small." + format), small);
        RawImage img = ImageFiles.decode(ok);
        assertEquals(16, img.width());
        assertEquals(12, img.height());
    }

    @Test
    void theLimitCanBeRaisedOrLowered() throws IOException {
        Path f = Files.write(tmp.resolve("a.png"), HostileImages.image("png", 100, 50, 2));
        ImageLimits.override(4999);
        String m = bad(f, () -> ImageFiles.decode(f));
        assertTrue(m.contains("100 x 50 = 5000 pixels") && m.contains("4999"), m);
        ImageLimits.override(5000);
        assertEquals(100, ImageFiles.decode(f).width());
        ImageLimits.override(0);
        assertEquals(ImageLimits.DEFAULT_MAX_PIXELS, ImageLimits.maxPixels());
    }

    @Test
    void truncatedImagesAreOneLine() throws IOException {
        byte[] png = HostileImages.image("png", 64, 64, 3);
        Path f = Files.write(tmp.resolve("cut.png"), Arrays.copyOf(png, png.length / 2));
        bad(f, () -> ImageFiles.decode(f));
        Path g = Files.write(tmp.resolve("noise.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        bad(g, () -> ImageFiles.decode(g));
    }

    @Test
    void idxWhoseSizeOverflows64BitsIsRefused() throws IOException {
        // 2^22 images of 2^21 x 2^21: the product wraps to 0 in 64 bits (the exit 1)
        Path f = Files.write(tmp.resolve("o-images-idx3-ubyte"),
                HostileImages.idxImages(1 << 22, 1 << 21, 1 << 21, new byte[0], false));
        String m = bad(f, () -> new IdxSource(f, null));
        assertTrue(m.contains("2097152 x 2097152"), m);
        ImageLimits.override(Long.MAX_VALUE);
        m = bad(f, () -> new IdxSource(f, null));
        assertTrue(m.contains("too large"), m);
    }

    @Test
    void idxImageOverThePixelLimitIsRefusedBeforeDecompressing() throws IOException {
        // the 2 MB gzip of one 46000 x 46000 image: refused from the 16-byte header
        Path f = tmp.resolve("bomb-images-idx3-ubyte.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
            out.write(ByteBuffer.allocate(16).putInt(0x803).putInt(1).putInt(46000).putInt(46000).array());
            out.write(new byte[1 << 20]); // the rest would follow; it is never read
        }
        String m = bad(f, () -> new IdxSource(f, null));
        assertTrue(m.contains("46000 x 46000"), m);
    }

    @Test
    void idxClaimingMoreThanItHoldsAllocatesLittle() throws IOException {
        // 16,000 images of 256 x 256 (1 GB) announced, 1 KB present: truncated, chunked allocation
        Path f = Files.write(tmp.resolve("t-images-idx3-ubyte.gz"),
                HostileImages.idxImages(16000, 256, 256, new byte[1024], true));
        String m = bad(f, () -> new IdxSource(f, null));
        assertTrue(m.contains("truncated") && m.contains("1024"), m);
        Path more = Files.write(tmp.resolve("m-images-idx3-ubyte.gz"),
                HostileImages.idxImages(20000, 256, 256, new byte[0], true));
        m = bad(more, () -> new IdxSource(more, null));
        assertTrue(m.contains("too large"), m);
    }

    @Test
    void idxSpanningSeveralChunksReadsBack() throws IOException {
        // 300 images of 512 x 512 = 75 MB: two chunks; image 255 is the last of the first
        int n = 300;
        int px = 512 * 512;
        byte[] body = new byte[n * px];
        for (int i = 0; i < n; i++) {
            body[i * px] = (byte) i;
            body[i * px + px - 1] = (byte) (i * 7);
        }
        Path f = Files.write(tmp.resolve("c-images-idx3-ubyte"), HostileImages.idxImages(n, 512, 512, body, false));
        IdxSource s = new IdxSource(f, null);
        for (int i : new int[] {0, 255, 256, 299}) {
            RawImage img = s.read(i);
            assertEquals((byte) i, img.pixels()[0]);
            assertEquals((byte) (i * 7), img.pixels()[px - 1]);
        }
    }
}
