package org.vbpstudio.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RawImageTest {
    @TempDir
    Path tmp;

    @Test
    void greyImagesKeepTheirValuesInOneChannel() throws IOException {
        BufferedImage grey = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        int[] values = {0, 1, 100, 128, 200, 255};
        grey.getRaster().setSamples(0, 0, 3, 2, 0, values);
        RawImage img = RawImage.of(grey);
        assertEquals(1, img.channels());
        for (int i = 0; i < values.length; i++) {
            assertEquals(values[i], img.pixels()[i] & 0xFF);
        }
        // Through a PNG file and back: still grey, values unchanged (no linear-grey gamma shift).
        Path f = TestImages.write(grey, "png", tmp.resolve("g.png"));
        RawImage decoded = ImageFiles.decode(f);
        assertEquals(1, decoded.channels());
        assertArrayEquals(img.pixels(), decoded.pixels());
    }

    @Test
    void colourImagesBecomeRgbAndDropAlpha() {
        BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x80102030);
        argb.setRGB(1, 0, 0xFFFFFEFD);
        RawImage img = RawImage.of(argb);
        assertEquals(3, img.channels());
        assertEquals(0x10, img.get(0, 0, 0));
        assertEquals(0x20, img.get(0, 0, 1));
        assertEquals(0x30, img.get(0, 0, 2));
        assertEquals(0xFD, img.get(1, 0, 2));
    }

    @Test
    void rejectsInconsistentShapes() {
        assertThrows(IllegalArgumentException.class, () -> new RawImage(2, 2, 3, new byte[11]));
        assertThrows(IllegalArgumentException.class, () -> new RawImage(2, 2, 2, new byte[8]));
        assertThrows(IllegalArgumentException.class, () -> new RawImage(0, 2, 1, new byte[0]));
    }
}
