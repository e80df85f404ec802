package org.vbpstudio.eval.preview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Progress;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.Selection;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.Calibration;

/** A float16 cache (what a tight memory budget chooses) must give the float32 path's top-1 within 0.2 points. */
class ReducedPrecisionCacheTest {
    private static final Path SAMPLE = Path.of("sample-models/vit-fashion-mnist");

    @Test
    @Tag("slow") // about 7 s (tagged: mvn -B test still runs it, -DexcludedGroups=slow skips it)
    void float16CacheKeepsTop1WithinTwoTenthsOfAPointOnTheSample() {
        LoadedModel model = ModelLoader.load(SAMPLE);
        ImageSource slice = ImageSources.open(SAMPLE.resolve("data/validation")).spread(1000);
        ActivationStats stats = Calibration.calibrate(model, ImageSources.open(SAMPLE.resolve("data/calibration")), 256,
                Progress.NONE);
        int depth = model.config().depth();
        long token = model.config().blockInputElements(0);
        try (NDManager manager = Engines.newManager(); Network vit = model.instantiate(manager)) {
            PreviewOptions f32 = new PreviewOptions(64, 2, 1L << 30, 0, false);
            PreviewOptions f16 = f32.withBudget(1000 * token * 2 * 2); // float16, every 3rd block… of 6: stride 3
            for (PruningPlan plan : new PruningPlan[] {PruningPlan.uniform(0.5, depth), PruningPlan.uniform(0.9, depth),
                    PruningPlan.global(0.9)}) {
                int[][] kept = Selection.kept(plan, Pruner.scores(model, stats, plan));
                double[] top1 = new double[2];
                int i = 0;
                for (PreviewOptions o : new PreviewOptions[] {f32, f16}) {
                    try (PreviewEngine engine = PreviewEngine.open(model, vit, slice, o, Progress.NONE)) {
                        assertEquals(o == f16, engine.cache().float16(), engine.cache().describe());
                        engine.setPlan(kept, true, stats);
                        top1[i++] = engine.refresh(e -> {}, Progress.NONE).accuracy().top1();
                    }
                }
                assertTrue(Math.abs(top1[0] - top1[1]) <= 0.002 + 1e-12,
                        plan + ": float32 " + top1[0] + " vs float16 " + top1[1]);
            }
        }
    }
}
