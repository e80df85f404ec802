package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.compare.CompareViewModel;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.CriterionSweep;
import org.vbpstudio.eval.Evaluator;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;

/**
 * The criteria sweep: one point per series and ratio, each scored like the model that series would
 * export — pruned for real by the core's {@link Pruner}, evaluated against the original — with MACs
 * and parameters counted from the pruned weights' shapes. A series scored under another criterion
 * or compensation than its own disagrees in the KL divergence at every ratio above 0.
 */
class CompareViewModelTest {

    @Test
    void sweepMeasuresEverySeriesAtEveryRatio() {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            CompareViewModel compare = studio.vm.compare();
            assertFalse(compare.canRunProperty().get()); // needs statistics
            studio.calibrate();
            assertTrue(compare.canRunProperty().get());
            double[] ratios = {0, 0.5, 0.9};
            compare.setRatios(ratios);
            compare.run();
            // the app's statistics carry no gradients: every series but taylor's, each at every ratio
            Set<String> expectedPoints = new HashSet<>();
            for (CriterionSweep.Series s : CriterionSweep.Series.values()) {
                if (!s.criterion().needsGradients()) {
                    for (double r : ratios) {
                        expectedPoints.add(s + "@" + r);
                    }
                }
            }
            Set<String> points = new HashSet<>();
            compare.points().forEach(p -> points.add(p.series() + "@" + p.ratio()));
            assertEquals(expectedPoints, points);
            assertEquals(expectedPoints.size(), compare.points().size());

            LoadedModel original = FixtureStudio.Reference.model();
            VitConfig cfg = (VitConfig) original.config();
            long tokens = (long) (cfg.imgSize() / cfg.patchSize()) * (cfg.imgSize() / cfg.patchSize()) + 1; // + cls
            long d = cfg.embedDim();
            for (CriterionSweep.Point p : compare.points()) {
                PruningPlan plan = PruningPlan.uniform(p.ratio(), 3).withCriterion(p.series().criterion())
                        .withCompensation(Compensation.meanIf(p.series().compensation()));
                LoadedModel pruned = Pruner.prune(original, FixtureStudio.Reference.stats(), plan).model();
                long removed = 0;
                for (int b = 0; b < cfg.depth(); b++) {
                    long kept = pruned.weights().get("blocks." + b + ".mlp.fc1.weight").dim(0);
                    removed += cfg.mlpHiddenDim(b) - kept;
                }
                // a removed neuron is a row of fc1 and a column of fc2 for every token, and fc1's bias
                assertEquals(CostModel.totalMacs(cfg) - removed * 2 * d * tokens, p.macs(), p.toString());
                assertEquals(CostModel.totalParams(cfg) - removed * (2 * d + 1), p.params(), p.toString());

                Evaluator.Comparison expected = evaluate(pruned);
                assertEquals(expected.accuracy(), p.accuracy(), p.toString());
                assertEquals(expected.fidelity().agree(), p.scores().fidelity().agree(), p.toString());
                assertEquals(expected.fidelity().count(), p.scores().fidelity().count(), p.toString());
                assertEquals(expected.fidelity().kl(), p.scores().fidelity().kl(),
                        1e-5 + 1e-3 * expected.fidelity().kl(), p.toString());
            }
            assertFalse(compare.runningProperty().get());
            assertEquals("Same ratio in every block, 0–90%, 30 validation images", compare.statusProperty().get());
            assertTrue(compare.currentProperty().get() != null);

            studio.vm.pruning().modeProperty().set(PruningPlan.Mode.GLOBAL); // another mode: the sweep is stale
            assertTrue(compare.points().isEmpty());
        }
    }

    /** {@code pruned} on the 30 images against the original: top-1 and the fidelity to it. */
    private static Evaluator.Comparison evaluate(LoadedModel pruned) {
        try (NDManager manager = Engines.newManager(); Network vit = pruned.instantiate(manager)) {
            LoadedModel original = FixtureStudio.Reference.model();
            return Evaluator.compare(vit, pruned.preprocessing(), FixtureStudio.Reference.vit(),
                    original.preprocessing(), FixtureStudio.Reference.images(), 32, Progress.NONE);
        }
    }
}
