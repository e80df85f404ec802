package org.vbpstudio.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChannelStatisticsTest {

    /** At the images' own size the model sees the raw pixels / 255: their mean and std, computed here. */
    @Test
    void meanAndStdOfThePixelsAsTheModelSeesThemRoundedToFourDecimals() throws IOException {
        Path file = TestImages.writeIdxImages(dir.resolve("i-images-idx3-ubyte"), 7, 12, 12, false);
        ChannelStatistics s = ChannelStatistics.measure(ImageSources.open(file), 1, 12);
        double sum = 0;
        double sq = 0;
        int n = 0;
        for (int i = 0; i < 7; i++) {
            for (int p = 0; p < 144; p++) {
                double v = TestImages.idxPixel(i, p) / 255.0;
                sum += v;
                sq += v * v;
                n++;
            }
        }
        double mean = sum / n;
        double std = Math.sqrt(sq / n - mean * mean);
        assertEquals(1, s.mean().length);
        assertEquals(Math.round(mean * 1e4) / 1e4, s.mean()[0], 1e-6);
        assertEquals(Math.round(std * 1e4) / 1e4, s.std()[0], 1e-6);
    }

    @TempDir
    Path dir;
}
