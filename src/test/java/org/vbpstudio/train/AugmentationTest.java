package org.vbpstudio.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.vbpstudio.data.Batch;
import org.vbpstudio.data.Preprocessing;

class AugmentationTest {
    // A 3x3 one-channel image 1..9, row-major.
    private static float[] image() {
        return new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9};
    }

    @Test
    void shiftsFillWithBlackAndFlipsMirror() {
        float[] fill = {-1};
        float[] tmp = new float[9];
        float[] px = image();
        Augmentation.apply(px, 0, 1, 3, 1, 0, false, fill, tmp); // window moved right: content moves left
        assertArrayEquals(new float[] {2, 3, -1, 5, 6, -1, 8, 9, -1}, px);
        px = image();
        Augmentation.apply(px, 0, 1, 3, 0, -1, false, fill, tmp);
        assertArrayEquals(new float[] {-1, -1, -1, 1, 2, 3, 4, 5, 6}, px);
        px = image();
        Augmentation.apply(px, 0, 1, 3, 0, 0, true, fill, tmp);
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4, 9, 8, 7}, px);
        px = image(); // crop, then flip (torchvision's order)
        Augmentation.apply(px, 0, 1, 3, 1, 0, true, fill, tmp);
        assertArrayEquals(new float[] {-1, 3, 2, -1, 6, 5, -1, 9, 8}, px);
    }

    @Test
    void paddingValueIsBlackAfterNormalisationAndNoneIsIdentity() {
        Preprocessing prep = Preprocessing.timm(1, 3, 1.0, new float[] {0.5f}, new float[] {0.25f});
        float[] px = new float[9 * 50];
        Batch b = new Batch(0, 50, px, new int[50], List.of(), new int[50]);
        Augmentation.NONE.apply(b, prep, new SplittableRandom(0));
        assertArrayEquals(new float[9 * 50], px);
        new Augmentation(3, false).apply(b, prep, new SplittableRandom(0));
        boolean sawFill = false;
        for (float v : px) {
            assertEquals(true, v == 0f || v == -2f, "pixel " + v);
            sawFill |= v == -2f;
        }
        assertEquals(true, sawFill);
    }
}
