package org.vbpstudio.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Progress;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.VisionTransformer;
import org.vbpstudio.prune.MaskHook;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.Selection;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsCollector;
import org.vbpstudio.testutil.Fixture;

/** The incremental preview must give exactly what a full {@link Evaluator} pass gives with the same hook. */
class IncrementalEvaluatorTest {
    private static NDManager manager;
    private static LoadedModel model;
    private static VisionTransformer vit;
    private static ImageSource images;
    private static ActivationStats stats;

    @BeforeAll
    static void load() {
        manager = Engines.newManager();
        model = ModelLoader.load(Fixture.TIMM);
        vit = model.instantiate(manager);
        images = ImageSources.open(Fixture.IMAGES);
        stats = StatsCollector.collect(vit, images, model.preprocessing(), 16, Progress.NONE);
    }

    @AfterAll
    static void close() {
        vit.close();
        manager.close();
    }

    private static int[][] kept(PruningPlan plan) {
        return Selection.kept(plan, Pruner.scores(model, stats, plan));
    }

    private static Accuracy full(MlpHook hook) {
        return Evaluator.evaluate(vit, images, model.preprocessing(), 7, hook, Progress.NONE);
    }

    @Test
    void unmaskedEqualsEvaluator() {
        try (IncrementalEvaluator inc = IncrementalEvaluator.open(vit, images, model.preprocessing(), 8, Progress.NONE)) {
            assertEquals(30, inc.size());
            assertEquals(4, inc.chunks());
            assertEquals(full(MlpHook.NONE), inc.evaluate(MlpHook.NONE, Progress.NONE));
        }
    }

    @Test
    void changingOneBlockRecomputesFromThatBlockAndEqualsEvaluator() {
        try (IncrementalEvaluator inc = IncrementalEvaluator.open(vit, images, model.preprocessing(), 8, Progress.NONE);
                MaskHook mask = MaskHook.of(manager, model.config(), kept(PruningPlan.uniform(0.5, 3)), stats, true)) {
            CountingHook hook = new CountingHook(mask, 3);
            assertEquals(full(mask), inc.evaluate(hook, Progress.NONE));
            assertEquals(4, hook.calls[0]);

            mask.setBlock(2, kept(PruningPlan.perBlock(0.5, 0.5, 0.9))[2]);
            inc.markChanged(2);
            hook.reset();
            Accuracy changedLast = inc.evaluate(hook, Progress.NONE);
            assertEquals(full(mask), changedLast);
            assertEquals(0, hook.calls[0]);
            assertEquals(0, hook.calls[1]);
            assertEquals(4, hook.calls[2]);

            mask.setBlock(1, kept(PruningPlan.perBlock(0.5, 0.2, 0.9))[1]);
            inc.markChanged(1);
            hook.reset();
            assertEquals(full(mask), inc.evaluate(hook, Progress.NONE));
            assertEquals(0, hook.calls[0]);
            assertEquals(4, hook.calls[1]);

            hook.reset();
            assertEquals(full(mask), inc.evaluate(hook, Progress.NONE)); // nothing changed: head only
            assertEquals(0, hook.calls[0] + hook.calls[1] + hook.calls[2]);
        }
    }

    @Test
    void withoutCompensationAndGlobalPlansEqualEvaluator() {
        try (IncrementalEvaluator inc = IncrementalEvaluator.open(vit, images, model.preprocessing(), 250, Progress.NONE)) {
            for (PruningPlan plan : new PruningPlan[] {PruningPlan.global(0.7).withCompensation(false),
                    PruningPlan.uniform(0.8, 3)}) {
                try (MaskHook mask = MaskHook.of(manager, model.config(), kept(plan), stats, plan.compensation())) {
                    assertEquals(full(mask), inc.evaluate(mask, Progress.NONE), plan.toString());
                }
            }
        }
    }

    @Test
    void cancellationLeavesUnfinishedChunksStale() {
        try (IncrementalEvaluator inc = IncrementalEvaluator.open(vit, images, model.preprocessing(), 8, Progress.NONE);
                MaskHook mask = MaskHook.of(manager, model.config(), kept(PruningPlan.uniform(0.3, 3)), stats, true)) {
            inc.evaluate(mask, Progress.NONE);
            mask.setBlock(0, kept(PruningPlan.uniform(0.9, 3))[0]);
            inc.markChanged(0);
            CancelAfter cancel = new CancelAfter(16);
            assertThrows(CancellationException.class, () -> inc.evaluate(mask, cancel));
            assertEquals(full(mask), inc.evaluate(mask, Progress.NONE));
        }
    }

    @Test
    void concurrentChunksGiveTheSameAccuracy() {
        try (IncrementalEvaluator inc = IncrementalEvaluator.open(vit, images, model.preprocessing(), 4, 3, Progress.NONE);
                MaskHook mask = MaskHook.of(manager, model.config(), kept(PruningPlan.uniform(0.4, 3)), stats, true)) {
            assertEquals(8, inc.chunks());
            assertEquals(full(mask), inc.evaluate(mask, Progress.NONE));
            mask.setBlock(1, kept(PruningPlan.uniform(0.8, 3))[1]);
            inc.markChanged(1);
            assertThrows(CancellationException.class, () -> inc.evaluate(mask, new CancelAfter(8)));
            assertEquals(full(mask), inc.evaluate(mask, Progress.NONE));
        }
    }

    @Test
    void unlabelledSliceIsRefused() {
        ImageSource flat = ImageSources.open(Fixture.IMAGES.resolve("class_00"));
        assertThrows(org.vbpstudio.io.BadInputException.class,
                () -> IncrementalEvaluator.open(vit, flat, model.preprocessing(), 8, Progress.NONE));
    }

    /** Delegates to a hook and counts, per block, how many chunks passed through it. */
    private static final class CountingHook implements MlpHook {
        private final MlpHook inner;
        final int[] calls;

        CountingHook(MlpHook inner, int depth) {
            this.inner = inner;
            this.calls = new int[depth];
        }

        void reset() {
            java.util.Arrays.fill(calls, 0);
        }

        @Override
        public NDArray onHidden(int block, NDArray hidden) {
            calls[block]++;
            return inner.onHidden(block, hidden);
        }
    }

    /** Cancelled once {@code n} images are done. */
    private static final class CancelAfter implements Progress {
        private final long n;
        private long done;

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
