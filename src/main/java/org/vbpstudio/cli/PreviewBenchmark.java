package org.vbpstudio.cli;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.IncrementalEvaluator;
import org.vbpstudio.eval.Timing;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.VisionTransformer;
import org.vbpstudio.prune.MaskHook;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.Selection;
import org.vbpstudio.stats.ActivationStats;

/**
 * The app's live preview, timed: after one block's mask changes, how long until top-1 on the
 * slice is current again (IncrementalEvaluator recomputes that block and the ones after it).
 * Uses the app's threading: one PyTorch thread per op, chunks evaluated side by side.
 */
final class PreviewBenchmark {
    private PreviewBenchmark() {}

    static JsonObject run(LoadedModel model, ImageSource calibration, ImageSource slice, int iterations) {
        int workers = Math.max(1, Runtime.getRuntime().availableProcessors()
                / Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors()));
        int depth = model.config().depth();
        JsonObject out = new JsonObject();
        try (NDManager manager = Engines.newManager(); VisionTransformer vit = model.instantiate(manager)) {
            ActivationStats stats = Pruner.calibrate(model, calibration, 64, Progress.NONE);
            double[][] scores = Pruner.scores(model, stats, PruningPlan.uniform(0.5, depth));
            try (IncrementalEvaluator inc = IncrementalEvaluator.open(vit, slice, model.preprocessing(),
                    IncrementalEvaluator.DEFAULT_CHUNK, workers, Progress.NONE);
                    MaskHook mask = MaskHook.of(manager, model.config(),
                            Selection.kept(PruningPlan.uniform(0.5, depth), scores), stats, true)) {
                inc.evaluate(mask, Progress.NONE);
                JsonArray medians = new JsonArray();
                JsonArray maxima = new JsonArray();
                long worst = 0;
                for (int b = 0; b < depth; b++) {
                    int block = b;
                    double[] ratio = {0.3};
                    Timing t = Timing.measure(1, iterations, () -> {
                        ratio[0] = ratio[0] >= 0.8 ? 0.3 : ratio[0] + 0.1; // a different cut every time
                        mask.setBlock(block, Selection.kept(PruningPlan.uniform(ratio[0], depth), scores)[block]);
                        inc.markChanged(block);
                        inc.evaluate(mask, Progress.NONE);
                    });
                    medians.add(Math.round(t.median() * 1000));
                    worst = Math.max(worst, Math.round(t.median() * 1000));
                    maxima.add(Math.round(t.max() * 1000));
                }
                out.addProperty("images", inc.size());
                out.addProperty("workers", workers);
                out.add("median_by_block", medians);
                out.add("max_by_block", maxima);
                out.addProperty("worst_median", worst);
            }
        }
        return out;
    }

}
