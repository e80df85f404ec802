package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.main.StudioView;
import org.vbpstudio.app.neurons.NeuronsViewModel;
import org.vbpstudio.stats.VarianceHistogram;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;

/** The inspector's numbers against the core: statistics, scores, selection, and surgery's own bias change. */
class NeuronsViewModelTest {

    @Test
    void everyNumberOfTheBlockMatchesAnIndependentComputation() {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            NeuronsViewModel neurons = studio.vm.neurons();
            assertTrue(neurons.neurons().isEmpty());
            assertFalse(neurons.messageProperty().get().isEmpty());
            studio.calibrate();
            PruningPlan plan = PruningPlan.perBlock(0.3, 0.6, 0.45);
            studio.vm.pruning().apply(plan);
            studio.vm.inspect(1, -1);
            assertEquals(StudioView.NEURONS, studio.vm.viewProperty().get());
            check(neurons, plan, 1);

            studio.vm.pruning().criterionProperty().set(Criterion.MAGNITUDE);
            check(neurons, plan.withCriterion(Criterion.MAGNITUDE), 1);
            studio.vm.pruning().compensationProperty().set(Compensation.NONE);
            neurons.blockProperty().set(2);
            check(neurons, plan.withCriterion(Criterion.MAGNITUDE).withCompensation(Compensation.NONE), 2);
        }
    }

    private static void check(NeuronsViewModel neurons, PruningPlan plan, int b) {
        LoadedModel model = FixtureStudio.Reference.model();
        ActivationStats stats = FixtureStudio.Reference.stats();
        int[] kept = FixtureStudio.Reference.kept(plan)[b];
        double[] scores = Pruner.scores(model, stats, plan)[b];
        HostTensor w2 = model.weights().get("blocks." + b + ".mlp.fc2.weight");
        int d = (int) w2.dim(0);
        int h = (int) w2.dim(1);
        assertEquals(h, neurons.neurons().size());
        double[] mean = stats.mean(b);
        double[] var = stats.variance(b);
        double removedVar = 0;
        double totalVar = 0;
        for (int j = 0; j < h; j++) {
            NeuronsViewModel.Neuron n = neurons.neurons().get(j);
            assertEquals(j, n.index());
            // 1e-6: the app's calibration shared the preview's pass, summed in another order
            assertEquals(mean[j], n.mean(), 1e-6 * Math.max(1, Math.abs(mean[j])));
            assertEquals(var[j], n.variance(), 1e-6 * Math.max(1, var[j]));
            assertEquals(scores[j], n.score(), 1e-6 * Math.max(1, Math.abs(scores[j])));
            boolean isKept = Arrays.binarySearch(kept, j) >= 0;
            assertEquals(isKept, n.kept());
            double col = 0;
            for (int r = 0; r < d; r++) {
                col += w2.data()[r * h + j] * (double) w2.data()[r * h + j];
            }
            assertEquals(Math.sqrt(col) * Math.abs(mean[j]), n.compensation(), 1e-6);
            totalVar += var[j];
            removedVar += isKept ? 0 : var[j];
        }
        NeuronsViewModel.Summary s = neurons.summary();
        assertNotNull(s);
        assertEquals(h - kept.length, s.removed());
        // each variance is good to 1e-6 relative (above), so their share to twice that
        assertEquals(removedVar / totalVar, s.varianceShare(), 2e-6 * removedVar / totalVar + 1e-12);
        // the bias correction is what surgery adds to fc2's bias (computed with compensation on)
        LoadedModel pruned = Pruner.prune(model, stats, plan.withCompensation(Compensation.MEAN)).model();
        float[] before = model.weights().get("blocks." + b + ".mlp.fc2.bias").data();
        float[] after = pruned.weights().get("blocks." + b + ".mlp.fc2.bias").data();
        double norm = 0;
        for (int r = 0; r < d; r++) {
            norm += (after[r] - (double) before[r]) * (after[r] - (double) before[r]);
        }
        assertEquals(Math.sqrt(norm), s.biasCorrectionNorm(), 1e-4 * Math.max(1, Math.sqrt(norm)));
        String text = neurons.explanationProperty().get();
        assertTrue(text.contains("|R| = " + s.removed() + " of " + h), text);
        assertTrue(text.contains(String.format(Locale.ROOT, "%.2f%% of its variance", 100 * s.varianceShare())), text);
        assertTrue(text.contains(String.format(Locale.ROOT, "‖W2[:, R] μ_R‖ = %.4g", s.biasCorrectionNorm())), text);
    }

    @Test
    void aHistogramBarSelectsItsNeurons() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            studio.vm.pruning().apply(PruningPlan.perBlock(0.5, 0.5, 0.5));
            VarianceHistogram hist = studio.vm.pruning().blocks().get(0).histogramProperty().get();
            int bin = 0;
            for (int i = 0; i < hist.total().length; i++) {
                if (hist.total()[i] > hist.total()[bin]) {
                    bin = i;
                }
            }
            studio.vm.inspect(0, bin);
            NeuronsViewModel neurons = studio.vm.neurons();
            assertEquals(hist.total()[bin], neurons.selected().size());
            double[] var = FixtureStudio.Reference.stats().variance(0);
            double[] range = VarianceHistogram.range(IntStream.range(0, 3)
                    .mapToObj(b -> FixtureStudio.Reference.stats().variance(b)).toArray(double[][]::new));
            double width = (range[1] - range[0]) / VarianceHistogram.BINS;
            for (int j : neurons.selected()) {
                double l = Math.log10(Math.max(var[j], VarianceHistogram.FLOOR));
                assertEquals(bin, Math.max(0, Math.min(VarianceHistogram.BINS - 1, (int) Math.floor((l - range[0]) / width))));
            }
        }
    }

    /** The scatter's keys: next/previous by variance from the selected neuron, the ends, stopping there. */
    @Test
    void keysStepThroughTheNeuronsByVariance() {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            NeuronsViewModel neurons = studio.vm.neurons();
            assertEquals(-1, neurons.stepByVariance(1), "no neurons before calibration");
            studio.calibrate();
            studio.vm.inspect(2, -1);
            double[] var = FixtureStudio.Reference.stats().variance(2);
            Integer[] order = new Integer[var.length];
            for (int j = 0; j < order.length; j++) {
                order[j] = j;
            }
            Arrays.sort(order, (a, b) -> var[a] != var[b] ? Double.compare(var[a], var[b]) : Integer.compare(a, b));
            int last = order.length - 1;

            assertEquals(order[0], neurons.stepByVariance(1), "nothing selected: → starts at the lowest");
            assertEquals(List.of(order[0]), neurons.selected());
            assertEquals(order[1], neurons.stepByVariance(1));
            assertEquals(order[0], neurons.stepByVariance(-1));
            assertEquals(order[0], neurons.stepByVariance(-1), "stops at the lowest");
            assertEquals(order[last], neurons.selectVarianceEnd(true));
            assertEquals(order[last], neurons.stepByVariance(1), "stops at the highest");
            assertEquals(order[last - 1], neurons.stepByVariance(-1));
            assertEquals(order[0], neurons.selectVarianceEnd(false));
            assertTrue(neurons.selectedText().startsWith("Neuron " + order[0] + ": "), neurons.selectedText());

            for (int bin = 0; neurons.selected().size() < 2 && bin < 200; bin++) {
                studio.vm.inspect(2, bin); // a histogram bar: several selected; keys go on from the last of them
            }
            assertTrue(neurons.selected().size() > 1);
            int anchor = neurons.selected().get(neurons.selected().size() - 1);
            int rank = Arrays.asList(order).indexOf(anchor);
            assertEquals(order[Math.min(last, rank + 1)], neurons.stepByVariance(1));
            assertEquals(1, neurons.selected().size());

            neurons.selected().clear();
            assertEquals("", neurons.selectedText());
            assertEquals(order[last], neurons.stepByVariance(-1), "nothing selected: ← starts at the highest");
        }
    }
}
