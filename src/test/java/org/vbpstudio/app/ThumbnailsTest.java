package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import javafx.scene.image.Image;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.flips.Thumbnails;
import org.vbpstudio.data.RawImage;

/** Thumbnails are nearest-neighbour: a 28-px image grows by whole pixels, a large one shrinks to fit. */
class ThumbnailsTest {

    @Test
    void smallImagesGrowByWholePixelsLargeOnesShrink() {
        byte[] px = new byte[28 * 28];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) i;
        }
        Image up = Thumbnails.of(new RawImage(28, 28, 1, px), 90);
        assertEquals(84, up.getWidth()); // 3 × 28
        for (int y = 0; y < 84; y += 7) {
            for (int x = 0; x < 84; x += 5) {
                int v = px[(y / 3) * 28 + x / 3] & 0xFF;
                assertEquals(0xFF000000 | v << 16 | v << 8 | v, up.getPixelReader().getArgb(x, y));
            }
        }
        Image down = Thumbnails.of(new RawImage(224, 112, 3, new byte[224 * 112 * 3]), 56);
        assertEquals(56, down.getWidth());
        assertEquals(28, down.getHeight());
    }
}
