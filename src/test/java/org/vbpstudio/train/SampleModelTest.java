package org.vbpstudio.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.VisionTransformer;
import org.vbpstudio.model.VitConfig;

/** The shipped sample model (GUIDE §6) loads, is as specified, and is as accurate as its card says. */
class SampleModelTest {
    private static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    @Test
    void loadsAndClassifiesTheFirst500TestImages() {
        LoadedModel model = ModelLoader.load(TrainTestData.SAMPLE);
        VitConfig cfg = model.config();
        assertEquals(1, cfg.inChans());
        assertEquals(28, cfg.imgSize());
        assertEquals(10, cfg.numClasses());
        assertTrue(cfg.depth() >= 4, "depth " + cfg.depth());
        for (int h : cfg.mlpHiddenDims()) {
            assertEquals(4 * cfg.embedDim(), h, "MLP ratio 4");
        }
        long macs = CostModel.totalMacs(cfg);
        assertTrue(macs >= 5_000_000 && macs <= 12_500_000, "MACs " + macs);
        assertEquals(CLASSES, model.labels());
        assertEquals(1.0, model.preprocessing().cropPct());
        assertEquals(0.2860f, model.preprocessing().mean()[0], 1e-6f);
        assertEquals(0.3530f, model.preprocessing().std()[0], 1e-6f);

        ImageSource validation = ImageSources.open(TrainTestData.SAMPLE.resolve("data/validation"));
        assertEquals(10_000, validation.size());
        assertEquals(2_000, ImageSources.open(TrainTestData.SAMPLE.resolve("data/calibration")).size());
        int n = 500;
        int len = model.preprocessing().outputLength();
        float[] px = new float[n * len];
        for (int i = 0; i < n; i++) {
            model.preprocessing().applyInto(validation.read(i), px, i * len);
        }
        int correct = 0;
        try (NDManager m = Engines.newManager(); VisionTransformer vit = model.instantiate(m)) {
            float[] logits = vit.logits(px, n, MlpHook.NONE);
            for (int i = 0; i < n; i++) {
                if (Accuracy.argmax(logits, i * 10, 10) == validation.label(i)) {
                    correct++;
                }
            }
        }
        double top1 = correct / (double) n;
        assertTrue(top1 >= 0.85, "top-1 on the first 500 test images: " + top1);
    }
}
