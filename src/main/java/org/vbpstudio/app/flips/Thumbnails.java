package org.vbpstudio.app.flips;

import javafx.scene.image.Image;
import javafx.scene.image.PixelWriter;
import javafx.scene.image.WritableImage;
import org.vbpstudio.data.RawImage;

/** Images as stored, scaled up by whole pixels (nearest neighbour: a 28-px image stays crisp). */
public final class Thumbnails {
    private Thumbnails() {}

    /** {@code image} scaled by the largest whole factor that fits {@code size} pixels (at least 1). */
    public static Image of(RawImage image, int size) {
        int scale = Math.max(1, size / Math.max(image.width(), image.height()));
        WritableImage out = new WritableImage(image.width() * scale, image.height() * scale);
        PixelWriter w = out.getPixelWriter();
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                int r = image.get(x, y, 0);
                int g = image.channels() == 3 ? image.get(x, y, 1) : r;
                int b = image.channels() == 3 ? image.get(x, y, 2) : r;
                int argb = 0xFF000000 | r << 16 | g << 8 | b;
                for (int dy = 0; dy < scale; dy++) {
                    for (int dx = 0; dx < scale; dx++) {
                        w.setArgb(x * scale + dx, y * scale + dy, argb);
                    }
                }
            }
        }
        return out;
    }
}
