package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.compare.CompareFigure;
import org.vbpstudio.app.compare.CompareViewModel;
import org.vbpstudio.app.main.ChartFigures;
import org.vbpstudio.app.neurons.NeuronsFigures;
import org.vbpstudio.app.neurons.NeuronsViewModel;
import org.vbpstudio.app.prune.PruneFigures;
import org.vbpstudio.app.prune.TargetViewModel;
import org.vbpstudio.app.recover.RecoverFigures;
import org.vbpstudio.app.recover.RecoverViewModel;
import org.vbpstudio.app.recover.RecoveryJob;
import org.vbpstudio.eval.CriterionSweep;
import org.vbpstudio.eval.figure.Curve;
import org.vbpstudio.eval.figure.HistogramGrid;
import org.vbpstudio.eval.figure.LineFigure;
import org.vbpstudio.eval.figure.ScatterFigure;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.VarianceHistogram;

/**
 * Every chart's figure holds the screen's data: the histograms bin each block's variances (from
 * statistics collected apart from the app) with the plan's kept and removed counts, the scatter
 * splits the neurons as the plan does, the compare curves are the sweep's series with their
 * accuracies and MACs, the sensitivity curves start at the original's top-1, and the recover
 * curves are the loss and top-1 series with the original's level lines.
 */
class ChartFiguresTest {
    private static final PruningPlan PLAN = PruningPlan.perBlock(0.3, 0.6, 0.45);

    @Test
    void histogramsAndScatterSplitTheNeuronsAsThePlanDoes() {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            assertNull(PruneFigures.histograms(studio.vm.pruning()), "nothing to draw before calibration");
            assertTrue(ChartFigures.current(studio.vm).isEmpty());
            studio.calibrate();
            studio.vm.pruning().apply(PLAN);
            ActivationStats stats = FixtureStudio.Reference.stats();
            int[][] kept = FixtureStudio.Reference.kept(PLAN);
            double[][] variances = new double[stats.depth()][];
            for (int b = 0; b < variances.length; b++) {
                variances[b] = stats.variance(b);
            }
            double[] range = VarianceHistogram.range(variances);

            HistogramGrid grid = PruneFigures.histograms(studio.vm.pruning());
            assertEquals(stats.depth(), grid.histograms().size());
            for (int b = 0; b < stats.depth(); b++) {
                VarianceHistogram h = grid.histograms().get(b);
                VarianceHistogram expected = VarianceHistogram.of(variances[b], kept[b], range[0], range[1], false);
                assertArrayEquals(expected.total(), h.total(), "block " + b + "'s bins");
                assertArrayEquals(expected.kept(), h.kept(), "block " + b + "'s kept neurons per bin");
                assertEquals(kept[b].length, Arrays.stream(h.kept()).sum());
                assertEquals(variances[b].length - kept[b].length, Arrays.stream(h.total()).sum()
                        - Arrays.stream(h.kept()).sum(), "removed in block " + b);
            }
            HistogramGrid one = PruneFigures.block(studio.vm.pruning(), studio.vm.pruning().blocks().get(1));
            assertEquals(1, one.histograms().size());
            assertArrayEquals(grid.histograms().get(1).kept(), one.histograms().get(0).kept());

            studio.vm.inspect(1, -1);
            NeuronsViewModel neurons = studio.vm.neurons();
            int lowest = neurons.selectVarianceEnd(false);
            ScatterFigure scatter = NeuronsFigures.scatter(neurons);
            assertEquals(kept[1].length, scatter.count(true));
            assertEquals(variances[1].length - kept[1].length, scatter.count(false));
            assertEquals(Set.of(lowest), scatter.selected());
            assertEquals(List.of("histograms", "neurons-scatter"), List.copyOf(ChartFigures.current(studio.vm).keySet()));
        }
    }

    @Test
    void compareFigureHoldsTheSweepsSeriesAccuraciesAndMacs() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            CompareViewModel compare = studio.vm.compare();
            assertNull(CompareFigure.of(compare));
            compare.setRatios(0, 0.5);
            compare.run();
            LineFigure f = CompareFigure.of(compare);
            ModelConfig cfg = FixtureStudio.Reference.model().config();
            long full = CostModel.totalMacs(cfg);
            double unit = full >= 2e9 ? 1e9 : full >= 2e6 ? 1e6 : 1e3; // the screen's axis: G, M or K
            String prefix = unit == 1e9 ? "G" : unit == 1e6 ? "M" : "K";
            assertEquals("MACs (" + prefix + ")", f.axes().x());
            assertEquals("Top-1 accuracy (%)", f.axes().y());
            List<String> series = Arrays.stream(CriterionSweep.Series.values())
                    .filter(s -> !s.criterion().needsGradients()).map(CriterionSweep.Series::label).toList();
            List<String> names = f.curves().stream().map(Curve::name).toList();
            assertEquals(series, names.subList(0, series.size()), "every series the chart shows, in its order");
            Curve variance = f.curves().get(0);
            PruningPlan half = PruningPlan.uniform(0.5, cfg.depth());
            int[] widths = Arrays.stream(FixtureStudio.Reference.kept(half)).mapToInt(k -> k.length).toArray();
            assertArrayEquals(new double[] {full / unit, CostModel.totalMacs(cfg.withMlpHiddenDims(widths)) / unit},
                    variance.x(), 1e-9);
            assertEquals(FixtureStudio.Reference.originalAccuracy().top1(), variance.y()[0], 1e-12);
            assertEquals(FixtureStudio.Reference.accuracy(half).top1(), variance.y()[1], 1e-12);
            assertTrue(ChartFigures.current(studio.vm).containsKey("compare"));
        }
    }

    @Test
    void sensitivityFigureHasEveryCardsCurveFromTheOriginal() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            assertNull(PruneFigures.sensitivity(studio.vm.pruning()));
            studio.vm.target().computeSensitivity();
            LineFigure f = PruneFigures.sensitivity(studio.vm.pruning());
            int depth = FixtureStudio.Reference.model().config().depth();
            assertEquals(depth, f.curves().size());
            double[] x = new double[TargetViewModel.RATIOS.length + 1];
            for (int i = 0; i < TargetViewModel.RATIOS.length; i++) {
                x[i + 1] = 100 * TargetViewModel.RATIOS[i];
            }
            for (int b = 0; b < depth; b++) {
                Curve c = f.curves().get(b);
                assertEquals(studio.vm.pruning().blocks().get(b).title(), c.name());
                assertArrayEquals(x, c.x(), 1e-12, "percent of the block removed");
                assertEquals(FixtureStudio.Reference.originalAccuracy().top1(), c.y()[0], 1e-12);
            }
            assertTrue(f.axes().percent());
        }
    }

    @Test
    void recoverFiguresDrawTheLossAndTopOneWithTheOriginalsLevels() {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            RecoverViewModel recover = studio.vm.recover();
            assertNull(RecoverFigures.loss(recover));
            assertNull(RecoverFigures.accuracy(recover));
            recover.settings().epochsProperty().set(3);
            recover.losses().setAll(List.of(new RecoveryJob.LossPoint(0.5, 2.5), new RecoveryJob.LossPoint(1, 1.5),
                    new RecoveryJob.LossPoint(1.5, 1.25)));
            recover.accuracy().setAll(List.of(new RecoveryJob.AccuracyPoint(0, 0.6), new RecoveryJob.AccuracyPoint(1, 0.7)));
            recover.teacherTop1Property().set(0.8);
            LineFigure loss = RecoverFigures.loss(recover);
            assertEquals(1, loss.curves().size());
            assertArrayEquals(new double[] {0.5, 1, 1.5}, loss.curves().get(0).x());
            assertArrayEquals(new double[] {2.5, 1.5, 1.25}, loss.curves().get(0).y());
            assertEquals(false, loss.axes().percent(), "a loss is not a percentage");
            LineFigure top1 = RecoverFigures.accuracy(recover);
            assertEquals(List.of("Fine-tuned", "Original (unpruned)", "99 % of the original"),
                    top1.curves().stream().map(Curve::name).toList());
            assertArrayEquals(new double[] {0.6, 0.7}, top1.curves().get(0).y());
            assertArrayEquals(new double[] {0.8, 0.8}, top1.curves().get(1).y());
            assertArrayEquals(new double[] {0.792, 0.792}, top1.curves().get(2).y(), 1e-12);
            assertArrayEquals(new double[] {0, 3}, top1.curves().get(2).x(), "across every epoch of the run");
            Map<String, ?> all = ChartFigures.current(studio.vm);
            assertNotNull(all.get("recover-loss"));
            assertNotNull(all.get("recover-top1"));
        }
    }
}
