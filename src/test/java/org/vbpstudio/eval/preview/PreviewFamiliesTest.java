package org.vbpstudio.eval.preview;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vbpstudio.data.Batch;
import org.vbpstudio.data.BatchLoader;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.Evaluator;
import org.vbpstudio.eval.Fidelity;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.Network;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.MaskHook;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.Selection;
import org.vbpstudio.prune.Surgery;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsCollector;
import org.vbpstudio.testutil.MultiStageModels;

/**
 * The preview, the masked model and sensitivity on models whose block inputs change shape between
 * stages (a stage's first block downsamples): each must give what the surgically pruned model gives
 * in a full forward pass, whichever blocks the cache kept.
 */
class PreviewFamiliesTest {
    private static final Path CALIBRATION = Path.of("sample-models", "vit-fashion-mnist", "data", "calibration",
            "calibration-images-idx3-ubyte.gz");

    static Stream<Arguments> families() {
        return Stream.of(Arguments.of("swin", MultiStageModels.swin()),
                Arguments.of("convnext", MultiStageModels.convnext()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void previewMaskAndSurgeryAgreeWhicheverBlocksAreCached(String name, ModelConfig cfg) {
        LoadedModel model = MultiStageModels.model(cfg, 6);
        ImageSource images = ImageSources.open(CALIBRATION).spread(24);
        int depth = cfg.depth();
        try (NDManager m = Engines.newManager(); Network net = model.instantiate(m)) {
            ActivationStats stats = StatsCollector.collect(net, images, model.preprocessing(), 8, Progress.NONE);
            float[] original = logits(net, images, model, MlpHook.NONE);
            long all = 0;
            for (int b = 0; b < depth; b++) {
                all += 24 * cfg.blockInputElements(b) * 4;
            }
            // every block cached; about half of them; the first block's input only
            for (long budget : new long[] {2 * all, all / 2, 24 * cfg.blockInputElements(0) * 4 + 1}) {
                try (PreviewEngine engine = PreviewEngine.open(model, net, images,
                        new PreviewOptions(8, 2, budget, 7, false), Progress.NONE)) {
                    for (double[] ratios : new double[][] {{0.5, 0.2, 0.7, 0.4}, {0.5, 0.2, 0.1, 0.4},
                            {0.5, 0.9, 0.1, 0.4}}) {
                        PruningPlan plan = PruningPlan.perBlock(ratios);
                        int[][] kept = Selection.kept(plan, Pruner.scores(model, stats, plan));
                        engine.setPlan(kept, true, stats);
                        PreviewEstimate e = engine.refresh(x -> {}, Progress.NONE);
                        LoadedModel pruned = Surgery.apply(model, kept, stats, Compensation.MEAN);
                        try (Network p = pruned.instantiate(m)) {
                            String where = name + " " + engine.cache().describe();
                            assertEquals(Evaluator.evaluate(p, images, model.preprocessing(), 8, MlpHook.NONE,
                                    Progress.NONE), e.accuracy(), where);
                            float[] surgery = logits(p, images, model, MlpHook.NONE);
                            Fidelity f = Fidelity.of(original, surgery, cfg.numClasses());
                            assertEquals(f.agree(), e.fidelity().agree(), where);
                            assertEquals(f.kl(), e.fidelity().kl(), 1e-5, where);
                            try (MaskHook mask = MaskHook.of(m, cfg, kept, stats, true)) {
                                assertArrayEquals(surgery, logits(net, images, model, mask), 1e-4f,
                                        name + ": the masked model is the pruned one");
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void sensitivityScoresEachBlockPrunedAloneAsItsExportScores(String name, ModelConfig cfg) {
        LoadedModel model = MultiStageModels.model(cfg, 8);
        ImageSource images = ImageSources.open(CALIBRATION).spread(16);
        double[] ratios = {0.5, 0.9};
        try (NDManager m = Engines.newManager(); Network net = model.instantiate(m)) {
            ActivationStats stats = StatsCollector.collect(net, images, model.preprocessing(), 8, Progress.NONE);
            PruningPlan base = PruningPlan.uniform(0, cfg.depth());
            try (PreviewEngine engine = PreviewEngine.open(model, net, images,
                    new PreviewOptions(8, 1, 1L << 28, 7, false), Progress.NONE)) {
                Sensitivity.Result r = Sensitivity.measure(model, stats, base, ratios, engine, p -> {}, Progress.NONE);
                for (int b = 0; b < cfg.depth(); b++) {
                    for (int i = 0; i < ratios.length; i++) {
                        double[] rs = new double[cfg.depth()];
                        rs[b] = ratios[i];
                        Pruner.Result pruned = Pruner.prune(model, stats, PruningPlan.perBlock(rs));
                        Sensitivity.Point p = r.points().get(b).get(i);
                        assertEquals(pruned.model().config().mlpHiddenDim(b), p.kept());
                        assertEquals(CostModel.totalMacs(pruned.model().config()), p.macs());
                        try (Network q = pruned.model().instantiate(m)) {
                            Accuracy expected = Evaluator.evaluate(q, images, model.preprocessing(), 8, MlpHook.NONE,
                                    Progress.NONE);
                            assertEquals(expected, p.scores().accuracy(), name + " " + cfg.blockLabel(b));
                        }
                    }
                }
                assertTrue(r.points().get(cfg.depth() - 1).get(1).macs() < CostModel.totalMacs(cfg));
            }
        }
    }

    /** Logits of every image in source order. */
    private static float[] logits(Network net, ImageSource images, LoadedModel model, MlpHook hook) {
        int k = model.config().numClasses();
        float[] all = new float[images.size() * k];
        try (BatchLoader loader = BatchLoader.builder(images, model.preprocessing()).batchSize(8).build()) {
            while (loader.hasNext()) {
                Batch b = loader.next();
                float[] l = net.logits(b.pixels(), b.count(), hook);
                System.arraycopy(l, 0, all, b.start() * k, l.length);
            }
        }
        return all;
    }
}
