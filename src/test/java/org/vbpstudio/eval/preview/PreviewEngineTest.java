package org.vbpstudio.eval.preview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
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
import org.vbpstudio.eval.Scores;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.MaskHook;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.Selection;
import org.vbpstudio.prune.Surgery;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsCollector;
import org.vbpstudio.testutil.Fixture;

/**
 * The preview engine must give, for every plan, exactly what a full forward pass of the masked
 * model gives (accuracy from {@link Evaluator}, fidelity from logits computed here image by image),
 * whatever it cached, skipped, or was interrupted in.
 */
class PreviewEngineTest {
    private static final long LARGE = 1L << 30;
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
        stats = StatsCollector.collect(vit, images, model.preprocessing(), 16, Progress.NONE);
        originalLogits = logits(MlpHook.NONE);
    }

    @AfterAll
    static void close() {
        vit.close();
        manager.close();
    }

    private static PreviewEngine open(int chunk, int workers, long budget) {
        return PreviewEngine.open(model, vit, images, new PreviewOptions(chunk, workers, budget, 7, false),
                Progress.NONE);
    }

    private static int[][] kept(PruningPlan plan) {
        return Selection.kept(plan, Pruner.scores(model, stats, plan));
    }

    /** Logits of every image in source order, one forward pass each batch. */
    private static float[] logits(MlpHook hook) {
        return logits(vit, hook);
    }

    private static float[] logits(Network vit, MlpHook hook) {
        int k = model.config().numClasses();
        float[] all = new float[images.size() * k];
        try (BatchLoader loader = BatchLoader.builder(images, model.preprocessing()).batchSize(7).build()) {
            while (loader.hasNext()) {
                Batch b = loader.next();
                float[] l = vit.logits(b.pixels(), b.count(), hook);
                System.arraycopy(l, 0, all, b.start() * k, l.length);
            }
        }
        return all;
    }

    /** The preview must score what the exported pruned model (surgery) scores, image by image. */
    private static void assertMatchesFullPass(int[][] kept, boolean compensation, PreviewEstimate e) {
        LoadedModel pruned = Surgery.apply(model, kept, stats, Compensation.meanIf(compensation));
        try (Network p = pruned.instantiate(manager)) {
            Accuracy expected = Evaluator.evaluate(p, images, model.preprocessing(), 7, MlpHook.NONE, Progress.NONE);
            assertEquals(expected, e.accuracy());
            Fidelity f = Fidelity.of(originalLogits, logits(p, MlpHook.NONE), model.config().numClasses());
            assertEquals(f.agree(), e.fidelity().agree());
            assertEquals(f.kl(), e.fidelity().kl(), 1e-5);
            assertEquals(images.size(), e.done());
            assertTrue(e.complete());
        }
    }

    @Test
    void predictionsAreEveryImagesTop1BeforeAndAfterInSliceOrderAsAFullPassGivesThem() {
        try (PreviewEngine engine = open(8, 2, LARGE)) {
            PreviewPredictions unpruned = engine.predictions();
            assertTrue(unpruned.current());
            assertTrue(unpruned.changes().isEmpty());
            int[][] kept = kept(PruningPlan.perBlock(0.9, 0.9, 0.9));
            engine.setPlan(kept, false, stats);
            assertFalse(engine.predictions().current());
            engine.refresh(x -> {}, Progress.NONE);
            PreviewPredictions p = engine.predictions();
            assertTrue(p.current());
            int k = model.config().numClasses();
            float[] pruned;
            try (MaskHook mask = MaskHook.of(manager, model.config(), kept, stats, false)) {
                pruned = logits(mask);
            }
            assertEquals(images.size(), p.size());
            List<PreviewPredictions.Change> expected = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                assertEquals(i, p.indices()[i]); // slice order, although evaluated shuffled
                assertEquals(images.label(i), p.labels()[i]);
                int before = Accuracy.argmax(originalLogits, i * k, k);
                int after = Accuracy.argmax(pruned, i * k, k);
                assertEquals(before, p.originalTop1(i));
                assertEquals(after, p.prunedTop1(i));
                assertEquals(softmax(pruned, i * k, k)[after], p.prunedProbabilities(i)[after], 1e-4);
                if (before != after) {
                    int y = images.label(i);
                    expected.add(new PreviewPredictions.Change(i, i, y, before, 0, after, 0,
                            before == y ? PreviewPredictions.Kind.NEWLY_WRONG
                                    : after == y ? PreviewPredictions.Kind.NEWLY_RIGHT : PreviewPredictions.Kind.CHANGED));
                }
            }
            assertFalse(expected.isEmpty(), "90% of every block removed without compensation changes some predictions");
            expected.sort(Comparator.comparing(PreviewPredictions.Change::kind)
                    .thenComparingInt(PreviewPredictions.Change::index));
            List<PreviewPredictions.Change> got = p.changes();
            assertEquals(expected.size(), got.size());
            for (int c = 0; c < got.size(); c++) {
                assertEquals(expected.get(c).index(), got.get(c).index());
                assertEquals(expected.get(c).kind(), got.get(c).kind());
                assertEquals(expected.get(c).before(), got.get(c).before());
                assertEquals(expected.get(c).after(), got.get(c).after());
            }
            Accuracy a = engine.refresh(x -> {}, Progress.NONE).accuracy();
            Accuracy o = engine.original().accuracy();
            assertEquals(a.correct1() - o.correct1(), p.newlyRight() - p.newlyWrong());
        }
    }

    private static double[] softmax(float[] v, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, v[off + i]);
        }
        double sum = 0;
        double[] p = new double[n];
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp(v[off + i] - max);
            sum += p[i];
        }
        for (int i = 0; i < n; i++) {
            p[i] /= sum;
        }
        return p;
    }

    @Test
    void unprunedSliceScoresTheOriginal() {
        try (PreviewEngine engine = open(8, 1, LARGE)) {
            assertEquals(30, engine.size());
            Accuracy expected = Evaluator.evaluate(vit, images, model.preprocessing(), 7, MlpHook.NONE, Progress.NONE);
            assertEquals(expected, engine.original().accuracy());
            PreviewEstimate e = engine.refresh(x -> {}, Progress.NONE);
            assertEquals(expected, e.accuracy());
            assertEquals(1.0, e.fidelity().agreement());
            assertEquals(0, engine.blocksRun());
        }
    }

    @Test
    void changingOneBlockRecomputesFromThatBlockAndEqualsAFullPass() {
        try (PreviewEngine engine = open(8, 1, LARGE)) {
            assertFalse(engine.cache().float16());
            int[][] kept = kept(PruningPlan.uniform(0.5, 3));
            engine.setPlan(kept, true, stats);
            int chunks = 6; // one worker: two quarter-size chunks of 2 images, then 8 + 8 + 8 + 2
            assertEquals(chunks, engine.chunkCount());
            assertMatchesFullPass(kept, true, engine.refresh(x -> {}, Progress.NONE));
            assertEquals(chunks * 3, engine.blocksRun()); // every chunk, every block

            kept[2] = kept(PruningPlan.perBlock(0.5, 0.5, 0.9))[2];
            engine.setPlan(kept, true, stats);
            assertEquals(2, engine.staleFrom());
            assertMatchesFullPass(kept, true, engine.refresh(x -> {}, Progress.NONE));
            assertEquals(chunks, engine.blocksRun()); // block 2 only

            kept[1] = kept(PruningPlan.perBlock(0.5, 0.2, 0.9))[1];
            engine.setPlan(kept, true, stats);
            assertMatchesFullPass(kept, true, engine.refresh(x -> {}, Progress.NONE));
            assertEquals(chunks * 2, engine.blocksRun());

            engine.setPlan(kept, false, stats); // compensation off: every masked block changes
            assertMatchesFullPass(kept, false, engine.refresh(x -> {}, Progress.NONE));

            assertMatchesFullPass(kept, false, engine.refresh(x -> {}, Progress.NONE)); // nothing changed
            assertEquals(0, engine.blocksRun());
        }
    }

    @Test
    void everyCachePlanGivesTheSameScoresOverRandomEdits() {
        long token = model.config().blockInputElements(0);
        long[] budgets = {LARGE, 30 * token * 2 * 3, 30 * token * 2 * 2, 30 * token * 2};
        Random rnd = new Random(3);
        for (long budget : budgets) {
            try (PreviewEngine engine = open(4, 2, budget)) {
                int[][] kept = new int[3][];
                for (int step = 0; step < 8; step++) {
                    int b = rnd.nextInt(3);
                    double r = 0.1 * (1 + rnd.nextInt(9));
                    kept[b] = kept(PruningPlan.uniform(r, 3))[b];
                    int[][] full = new int[3][];
                    for (int i = 0; i < 3; i++) {
                        full[i] = kept[i] != null ? kept[i] : kept(PruningPlan.uniform(0, 3))[i];
                    }
                    engine.setPlan(full, true, stats);
                    PreviewEstimate e = engine.refresh(x -> {}, Progress.NONE);
                    if (engine.cache().float16()) { // reduced precision: the same decisions here
                        try (Network p = Surgery.apply(model, full, stats, Compensation.MEAN).instantiate(manager)) {
                            Accuracy exact = Evaluator.evaluate(p, images, model.preprocessing(), 7, MlpHook.NONE,
                                    Progress.NONE);
                            assertTrue(Math.abs(exact.correct1() - e.accuracy().correct1()) <= 1,
                                    engine.cache().describe());
                        }
                    } else {
                        assertMatchesFullPass(full, true, e);
                    }
                }
            }
        }
    }

    @Test
    void estimatesGrowChunkByChunkToTheExactValue() {
        try (PreviewEngine engine = open(4, 2, LARGE)) {
            int[][] kept = kept(PruningPlan.uniform(0.7, 3));
            engine.setPlan(kept, true, stats);
            List<PreviewEstimate> seen = new ArrayList<>();
            PreviewEstimate last = engine.refresh(seen::add, Progress.NONE);
            assertEquals(0, seen.get(0).done()); // all stale: the first report has nothing yet
            for (int i = 1; i < seen.size(); i++) {
                assertTrue(seen.get(i).done() > seen.get(i - 1).done());
                double[] ci = seen.get(i).top1Interval();
                assertTrue(ci[0] <= seen.get(i).accuracy().top1() && seen.get(i).accuracy().top1() <= ci[1]);
            }
            assertEquals(last, seen.get(seen.size() - 1));
            // the initial report and one per chunk: 4 chunks of 1 image (2 workers x 2), 2 of 2, then chunks of 4
            assertEquals(30, images.size()); // 8 in those, then 5 chunks of 4 and one of 2
            assertEquals(1 + 4 + 2 + 6, seen.size());
        }
    }

    @Test
    void cancellationMidRefreshKeepsTheCacheConsistent() {
        for (int workers : new int[] {1, 3}) {
            try (PreviewEngine engine = open(4, workers, LARGE)) {
                int[][] kept = kept(PruningPlan.uniform(0.3, 3));
                engine.setPlan(kept, true, stats);
                engine.refresh(x -> {}, Progress.NONE);
                kept = kept(PruningPlan.uniform(0.9, 3));
                engine.setPlan(kept, true, stats);
                assertThrows(CancellationException.class, () -> engine.refresh(x -> {}, new CancelAfter(8)));
                assertMatchesFullPass(kept, true, engine.refresh(x -> {}, Progress.NONE));
            }
        }
    }

    @Test
    void sweepPointsLeaveTheLivePlanAlone() {
        try (PreviewEngine engine = open(8, 2, LARGE)) {
            int[][] kept = kept(PruningPlan.uniform(0.5, 3));
            engine.setPlan(kept, true, stats);
            engine.refresh(x -> {}, Progress.NONE);
            int[][] other = kept(PruningPlan.global(0.8).withCompensation(Compensation.NONE));
            try (MaskHook hook = MaskHook.of(manager, model.config(), other, stats, false)) {
                assertMatchesFullPass(other, false, engine.evaluate(hook, Progress.NONE));
            }
            assertMatchesFullPass(kept, true, engine.refresh(x -> {}, Progress.NONE));
            assertEquals(0, engine.blocksRun());
        }
    }

    /** The sweep's and the app's scoring of a point: the masked model's scores, the live plan untouched. */
    @Test
    void maskedScoresAreTheMaskedModelsAndLeaveTheLivePlanAlone() {
        try (PreviewEngine engine = open(8, 2, LARGE)) {
            int[][] kept = kept(PruningPlan.uniform(0.5, 3));
            engine.setPlan(kept, true, stats);
            engine.refresh(x -> {}, Progress.NONE);
            int[][] other = kept(PruningPlan.global(0.8).withCompensation(Compensation.NONE));
            Scores s = MaskedScores.on(engine, manager, stats).of(other, false);
            assertMatchesFullPass(other, false, new PreviewEstimate(images.size(), images.size(), s.accuracy(),
                    s.fidelity()));
            assertMatchesFullPass(kept, true, engine.refresh(x -> {}, Progress.NONE));
            assertEquals(0, engine.blocksRun());
        }
    }

    @Test
    void nativeArraysDoNotGrowOverRefreshes() {
        try (PreviewEngine engine = open(4, 2, LARGE)) {
            Random rnd = new Random(11);
            engine.setPlan(kept(PruningPlan.uniform(0.5, 3)), true, stats);
            engine.refresh(x -> {}, Progress.NONE);
            int before = vit.manager().getManagedArrays().size();
            for (int i = 0; i < 20; i++) {
                double r = 0.1 * (1 + rnd.nextInt(9));
                engine.setPlan(kept(PruningPlan.uniform(r, 3)), rnd.nextBoolean(), stats);
                engine.refresh(x -> {}, Progress.NONE);
            }
            engine.setPlan(kept(PruningPlan.uniform(0.5, 3)), true, stats); // back to the first plan
            engine.refresh(x -> {}, Progress.NONE);
            assertEquals(before, vit.manager().getManagedArrays().size());
        }
    }

    @Test
    void anUnlabelledSliceIsScoredByFidelity() {
        ImageSource flat = ImageSources.open(Fixture.IMAGES.resolve("class_00"));
        try (PreviewEngine engine = PreviewEngine.open(model, vit, flat, new PreviewOptions(4, 1, LARGE, 0, false),
                Progress.NONE)) {
            assertFalse(engine.labelled());
            engine.setPlan(kept(PruningPlan.uniform(0.9, 3)), false, stats);
            PreviewEstimate e = engine.refresh(x -> {}, Progress.NONE);
            assertFalse(e.labelled());
            assertEquals(flat.size(), e.fidelity().count());
            assertTrue(e.fidelity().kl() > 0);
        }
    }

    @Test
    void aBudgetTooSmallForOneImageIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> open(4, 1, 16));
    }

    /** Cancelled once {@code n} images are done. */
    private static final class CancelAfter implements Progress {
        private final long n;
        private volatile long done;

        CancelAfter(long n) {
            this.n = n;
        }

        @Override
        public void update(long d, long total, double rate) {
            done = d;
        }

        @Override
        public boolean isCancelled() {
            return done >= n;
        }
    }
}
