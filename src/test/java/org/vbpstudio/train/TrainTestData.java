package org.vbpstudio.train;

import java.nio.file.Path;
import java.util.Arrays;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.data.Progress;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.VitConfig;

/** The shipped sample data, and tiny models, shared by the training tests. */
final class TrainTestData {
    static final Path SAMPLE = Path.of("sample-models", "vit-fashion-mnist");
    static final Path CALIBRATION = SAMPLE.resolve("data/calibration/calibration-images-idx3-ubyte.gz");
    static final Path VALIDATION = SAMPLE.resolve("data/validation/t10k-images-idx3-ubyte.gz");
    static final Preprocessing PREP = Preprocessing.timm(1, 28, 1.0, new float[] {0.2860f}, new float[] {0.3530f});

    private TrainTestData() {}

    static ImageSource calibration(int n) {
        return ImageSources.open(CALIBRATION).spread(n);
    }

    static TrainingData calibrationData(int n) {
        return TrainingData.inMemory(calibration(n), PREP, Progress.NONE);
    }

    /** A tiny ViT on 28x28 grey images: patch 7, D 32, 2 heads, the given MLP widths. */
    static VitConfig tiny(int... widths) {
        return new VitConfig("vit_test_patch7_28", 28, 7, 1, 32, 2, widths, 10, false, 1e-6, Pooling.TOKEN);
    }

    static double mean(float[] v, int from, int to) {
        return Arrays.stream(Arrays.copyOfRange(toDouble(v), from, to)).average().orElse(Double.NaN);
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
