package org.vbpstudio.app.flips;

import javafx.scene.image.Image;
import javafx.scene.image.PixelWriter;
import javafx.scene.image.WritableImage;
import org.vbpstudio.data.RawImage;

/** Images as stored, scaled up by whole pixels (nearest neighbour: a 28-px image stays crisp). */
public final class Thumbnails {
    private Thumbnails() {}

    /**
     * {@code image} fitted to {@code size} pixels by nearest neighbour: small images (28 px) grow by
     * the largest whole factor that fits, so every pixel stays a crisp square; larger ones shrink.
     */
    public static Image of(RawImage image, int size) {
        int longest = Math.max(image.width(), image.height());
        double f = longest <= size ? Math.max(1, size / longest) : (double) size / longest;
        int w = Math.max(1, (int) Math.round(image.width() * f));
        int h = Math.max(1, (int) Math.round(image.height() * f));
        WritableImage out = new WritableImage(w, h);
        PixelWriter writer = out.getPixelWriter();
        for (int y = 0; y < h; y++) {
            int sy = Math.min(image.height() - 1, (int) (y / f));
            for (int x = 0; x < w; x++) {
                int sx = Math.min(image.width() - 1, (int) (x / f));
                int r = image.get(sx, sy, 0);
                int g = image.channels() == 3 ? image.get(sx, sy, 1) : r;
                int b = image.channels() == 3 ? image.get(sx, sy, 2) : r;
                writer.setArgb(x, y, 0xFF000000 | r << 16 | g << 8 | b);
            }
        }
        return out;
    }
}
