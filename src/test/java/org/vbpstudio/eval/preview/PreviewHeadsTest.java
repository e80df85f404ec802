package org.vbpstudio.eval.preview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.HeadSurgery;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.Selection;
import org.vbpstudio.prune.Surgery;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsCollector;
import org.vbpstudio.testutil.Fixture;

/**
 * Heads removed in the live plan: the preview scores what the exported model pruned of those heads
 * (and neurons) scores, and a head change in block b re-runs blocks b onwards only.
 */
class PreviewHeadsTest {
    private static NDManager manager;
    private static LoadedModel model;
    private static Network vit;
    private static ImageSource images;
    private static ActivationStats stats;

    @BeforeAll
    static void load() {
        manager = Engines.newManager();
        model = ModelLoader.load(Fixture.TIMM);
        vit = model.instantiate(manager);
        images = ImageSources.open(Fixture.IMAGES);
        stats = StatsCollector.emptyFor(model.config(), true); // with the second moments a refit needs
        StatsCollector.collectInto(stats, vit, images, model.preprocessing(), 16, Progress.NONE);
    }

    @AfterAll
    static void close() {
        vit.close();
        manager.close();
    }

    private static int[][] kept(PruningPlan plan) {
        return Selection.kept(plan, Pruner.scores(model, stats, plan));
    }

    /** Logits of every image in source order, one forward pass each batch. */
    private static float[] logits(Network net) {
        int k = model.config().numClasses();
        float[] all = new float[images.size() * k];
        try (BatchLoader loader = BatchLoader.builder(images, model.preprocessing()).batchSize(7).build()) {
            while (loader.hasNext()) {
                Batch b = loader.next();
                float[] l = net.logits(b.pixels(), b.count(), MlpHook.NONE);
                System.arraycopy(l, 0, all, b.start() * k, l.length);
            }
        }
        return all;
    }

    /** The preview must score what the exported model (neurons, then heads removed) scores in a full pass. */
    private static void assertExported(int[][] kept, int[][] removedHeads, Compensation c, PreviewEstimate e) {
        LoadedModel neurons = Surgery.apply(model, kept, stats, c);
        VitConfig cfg = (VitConfig) neurons.config();
        int[][] keptHeads = new int[cfg.depth()][];
        for (int b = 0; b < keptHeads.length; b++) {
            keptHeads[b] = Selection.complement(removedHeads[b], cfg.numHeads(b));
        }
        HeadSurgery.Result r = HeadSurgery.apply(cfg, neurons.weights(), keptHeads, stats, c);
        try (Network p = new Network(r.config(), r.weights(), manager)) {
            assertEquals(Evaluator.evaluate(p, images, model.preprocessing(), 7, MlpHook.NONE, Progress.NONE),
                    e.accuracy());
            Fidelity f = Fidelity.of(logits(vit), logits(p), model.config().numClasses());
            assertEquals(f.agree(), e.fidelity().agree());
            assertEquals(f.kl(), e.fidelity().kl(), 1e-5);
            assertTrue(e.complete());
        }
    }

    @Test
    void removedHeadsScoreAsTheExportedModelAndOnlyTheirBlocksOnwardsRerun() {
        try (PreviewEngine engine = PreviewEngine.open(model, vit, images, new PreviewOptions(8, 1, 1L << 30, 7, false),
                Progress.NONE)) {
            int chunks = engine.chunkCount();
            int[][] kept = kept(PruningPlan.uniform(0.5, 3));
            int[][] heads = {{1}, {}, {0, 3}};
            engine.setPlan(kept, heads, Compensation.MEAN, PruningPlan.DEFAULT_RIDGE, stats);
            assertExported(kept, heads, Compensation.MEAN, engine.refresh(x -> {}, Progress.NONE));

            heads[2] = new int[] {2};
            engine.setPlan(kept, heads, Compensation.MEAN, PruningPlan.DEFAULT_RIDGE, stats);
            assertEquals(2, engine.staleFrom());
            assertExported(kept, heads, Compensation.MEAN, engine.refresh(x -> {}, Progress.NONE));
            assertEquals(chunks, engine.blocksRun()); // block 2 only

            heads[1] = new int[] {0, 1, 2};
            engine.setPlan(kept, heads, Compensation.MEAN, PruningPlan.DEFAULT_RIDGE, stats);
            assertEquals(1, engine.staleFrom());
            assertExported(kept, heads, Compensation.MEAN, engine.refresh(x -> {}, Progress.NONE));
            assertEquals(2 * chunks, engine.blocksRun());

            engine.setPlan(kept, heads, Compensation.NONE, PruningPlan.DEFAULT_RIDGE, stats); // zeros, not means
            assertExported(kept, heads, Compensation.NONE, engine.refresh(x -> {}, Progress.NONE));

            engine.setPlan(kept, heads, Compensation.REFIT, PruningPlan.DEFAULT_RIDGE, stats); // predicted from the kept heads
            assertExported(kept, heads, Compensation.REFIT, engine.refresh(x -> {}, Progress.NONE));

            int[][] none = {{}, null, {}};
            engine.setPlan(kept, none, Compensation.NONE, PruningPlan.DEFAULT_RIDGE, stats);
            assertEquals(0, engine.staleFrom());
            assertExported(kept, new int[][] {{}, {}, {}}, Compensation.NONE, engine.refresh(x -> {}, Progress.NONE));
            engine.setPlan(kept, none, Compensation.MEAN, PruningPlan.DEFAULT_RIDGE, stats);
            engine.setPlan(kept, heads, Compensation.MEAN, PruningPlan.DEFAULT_RIDGE, stats); // means again, not zeros
            assertExported(kept, heads, Compensation.MEAN, engine.refresh(x -> {}, Progress.NONE));
        }
    }

    @Test
    void headsThatDoNotFitAreRefusedBeforeAnythingChanges() {
        try (PreviewEngine engine = PreviewEngine.open(model, vit, images, new PreviewOptions(8, 1, 1L << 30, 7, false),
                Progress.NONE)) {
            int[][] kept = kept(PruningPlan.uniform(0.5, 3));
            engine.setPlan(kept, Compensation.MEAN, PruningPlan.DEFAULT_RIDGE, stats);
            Accuracy before = engine.refresh(x -> {}, Progress.NONE).accuracy();
            assertThrows(IllegalArgumentException.class, () -> engine.setPlan(kept, new int[][] {{1}, {0, 1, 2, 3}, {}},
                    Compensation.MEAN, PruningPlan.DEFAULT_RIDGE, stats));
            assertThrows(IllegalArgumentException.class, () -> engine.setPlan(kept, new int[][] {{1}, {}, {}},
                    Compensation.MEAN, PruningPlan.DEFAULT_RIDGE, new ActivationStats(stats.widths())));
            assertEquals(3, engine.staleFrom());
            assertEquals(before, engine.refresh(x -> {}, Progress.NONE).accuracy());
            assertTrue(engine.blocksRun() == 0);
        }
    }
}
