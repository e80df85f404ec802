package org.vbpstudio.eval.preview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vbpstudio.data.Batch;
import org.vbpstudio.data.BatchLoader;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.Evaluator;
import org.vbpstudio.eval.Fidelity;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.Selection;
import org.vbpstudio.prune.Surgery;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.Calibration;
import org.vbpstudio.testutil.Fixture;

/** The preview with compensation refit scores what the exported refitted model scores, image by image. */
class PreviewRefitTest {
    private static NDManager manager;
    private static LoadedModel model;
    private static Network vit;
    private static ImageSource images;
    private static ActivationStats stats;
    private static float[] originalLogits;

    @BeforeAll
    static void load() {
        manager = Engines.newManager();
        model = ModelLoader.load(Fixture.TIMM);
        vit = model.instantiate(manager);
        images = ImageSources.open(Fixture.IMAGES);
        stats = Calibration.calibrate(model, images, 16, Progress.NONE, false, true);
        originalLogits = logits(vit);
    }

    @AfterAll
    static void close() {
        vit.close();
        manager.close();
    }

    private static float[] logits(Network v) {
        int k = model.config().numClasses();
        float[] all = new float[images.size() * k];
        try (BatchLoader loader = BatchLoader.builder(images, model.preprocessing()).batchSize(7).build()) {
            while (loader.hasNext()) {
                Batch b = loader.next();
                float[] l = v.logits(b.pixels(), b.count(), MlpHook.NONE);
                System.arraycopy(l, 0, all, b.start() * k, l.length);
            }
        }
        return all;
    }

    private static int[][] kept(PruningPlan plan) {
        return Selection.kept(plan, Pruner.scores(model, stats, plan));
    }

    private static Fidelity assertMatchesExport(int[][] kept, double ridge, PreviewEstimate e) {
        LoadedModel pruned = Surgery.apply(model, kept, stats, Compensation.REFIT, ridge);
        try (Network p = pruned.instantiate(manager)) {
            Accuracy expected = Evaluator.evaluate(p, images, model.preprocessing(), 7, MlpHook.NONE, Progress.NONE);
            assertEquals(expected, e.accuracy());
            Fidelity f = Fidelity.of(originalLogits, logits(p), model.config().numClasses());
            assertEquals(f.agree(), e.fidelity().agree());
            assertEquals(f.kl(), e.fidelity().kl(), 1e-5);
            return f;
        }
    }

    @Test
    void refitPreviewEqualsTheExportedRefittedModel() {
        try (PreviewEngine engine = PreviewEngine.open(model, vit, images,
                new PreviewOptions(8, 1, 1L << 30, 7, false), Progress.NONE)) {
            int[][] kept = kept(PruningPlan.uniform(0.8, 3));
            engine.setPlan(kept, Compensation.REFIT, 1e-3, stats);
            Fidelity refit = assertMatchesExport(kept, 1e-3, engine.refresh(x -> {}, Progress.NONE));

            engine.setPlan(kept, Compensation.REFIT, 1.0, stats); // another ridge: every pruned block again
            assertEquals(0, engine.staleFrom());
            Fidelity strong = assertMatchesExport(kept, 1.0, engine.refresh(x -> {}, Progress.NONE));
            assertNotEquals(refit.kl(), strong.kl(), "the ridge reaches the preview");

            engine.setPlan(kept, Compensation.MEAN, 1e-3, stats);
            assertNotEquals(refit.kl(), engine.refresh(x -> {}, Progress.NONE).fidelity().kl(),
                    "mean compensation is another model");
        }
    }

    @Test
    void refitWithoutSecondMomentsIsRefused() {
        ActivationStats plain = Calibration.calibrate(model, images, 16, Progress.NONE);
        try (PreviewEngine engine = PreviewEngine.open(model, vit, images,
                new PreviewOptions(8, 1, 1L << 30, 7, false), Progress.NONE)) {
            int[][] kept = kept(PruningPlan.uniform(0.5, 3));
            assertThrows(IllegalArgumentException.class, () -> engine.setPlan(kept, Compensation.REFIT, 1e-3, plain));
        }
    }
}
