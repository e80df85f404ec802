package org.vbpstudio.eval.preview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
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
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.HeadSelection;
import org.vbpstudio.prune.HeadSurgery;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.Selection;
import org.vbpstudio.prune.Surgery;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsCollector;

/**
 * Heads removed from a Swin (the swin-micro fixture, heads of widths 4 and 8 in windowed attention)
 * in the live plan: the preview scores what the exported model pruned of those heads and neurons
 * scores, compensation on and off, and a head change in block b re-runs blocks b onwards only.
 */
class SwinPreviewHeadsTest {
    private static final Path ROOT = Path.of("src/test/resources/fixtures/swin-micro");
    private static NDManager manager;
    private static LoadedModel model;
    private static Network swin;
    private static ImageSource images;
    private static ActivationStats stats;

    @BeforeAll
    static void load() {
        manager = Engines.newManager();
        model = ModelLoader.load(ROOT.resolve("timm"));
        swin = model.instantiate(manager);
        images = ImageSources.open(ROOT.resolve("images"));
        stats = StatsCollector.collect(swin, images, model.preprocessing(), 8, Progress.NONE);
    }

    @AfterAll
    static void close() {
        swin.close();
        manager.close();
    }

    private static float[] logits(Network net) {
        int k = model.config().numClasses();
        float[] all = new float[images.size() * k];
        try (BatchLoader loader = BatchLoader.builder(images, model.preprocessing()).batchSize(4).build()) {
            while (loader.hasNext()) {
                Batch b = loader.next();
                float[] l = net.logits(b.pixels(), b.count(), MlpHook.NONE);
                System.arraycopy(l, 0, all, b.start() * k, l.length);
            }
        }
        return all;
    }

    private static void assertExported(int[][] kept, int[][] removedHeads, Compensation c, PreviewEstimate e) {
        LoadedModel neurons = Surgery.apply(model, kept, stats, c);
        ModelConfig cfg = neurons.config();
        HeadSurgery.Result<ModelConfig> r = HeadSurgery.apply(cfg, neurons.weights(),
                HeadSelection.kept(removedHeads, cfg.blockHeads()), stats, c);
        try (Network p = new Network(r.config(), r.weights(), manager)) {
            assertEquals(Evaluator.evaluate(p, images, model.preprocessing(), 4, MlpHook.NONE, Progress.NONE),
                    e.accuracy());
            Fidelity f = Fidelity.of(logits(swin), logits(p), model.config().numClasses());
            assertEquals(f.agree(), e.fidelity().agree());
            assertEquals(f.kl(), e.fidelity().kl(), 1e-5);
            assertTrue(f.kl() > 1e-6, "the heads and neurons matter: " + f.kl());
            assertTrue(e.complete());
        }
    }

    @Test
    void removedSwinHeadsScoreAsTheExportedModel() {
        try (PreviewEngine engine = PreviewEngine.open(model, swin, images, new PreviewOptions(4, 1, 1L << 30, 4, false),
                Progress.NONE)) {
            int chunks = engine.chunkCount();
            int[][] kept = Selection.kept(PruningPlan.uniform(0.3, 6), Pruner.scores(model, stats,
                    PruningPlan.uniform(0.3, 6)));
            int[][] heads = {{1}, {}, {0}, {}, {0, 2}, {3}};
            engine.setPlan(kept, heads, Compensation.MEAN, PruningPlan.DEFAULT_RIDGE, stats);
            assertExported(kept, heads, Compensation.MEAN, engine.refresh(x -> {}, Progress.NONE));

            heads[4] = new int[] {1};
            engine.setPlan(kept, heads, Compensation.MEAN, PruningPlan.DEFAULT_RIDGE, stats);
            assertEquals(4, engine.staleFrom());
            assertExported(kept, heads, Compensation.MEAN, engine.refresh(x -> {}, Progress.NONE));
            assertEquals(2 * chunks, engine.blocksRun()); // blocks 4 and 5 only

            engine.setPlan(kept, heads, Compensation.NONE, PruningPlan.DEFAULT_RIDGE, stats); // zeros, not means
            assertExported(kept, heads, Compensation.NONE, engine.refresh(x -> {}, Progress.NONE));
        }
    }
}
