package org.vbpstudio.app.prune;

import java.util.ArrayList;
import java.util.List;
import org.vbpstudio.eval.figure.Curve;
import org.vbpstudio.eval.figure.HistogramGrid;
import org.vbpstudio.eval.figure.LineFigure;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.stats.VarianceHistogram;

/**
 * The Prune screen's charts as figures, from the cards' view models: a block's variance histogram,
 * every block's as a grid (the same bins on the range every card shares, the same kept and removed
 * counts), and the per-block sensitivity curves (score against the share of the block removed).
 */
public final class PruneFigures {
    private PruneFigures() {}

    /** Block {@code b}'s histogram as its card shows it, or null before calibration. */
    public static HistogramGrid block(PruningViewModel vm, BlockViewModel b) {
        VarianceHistogram h = b.histogramProperty().get();
        return h == null ? null : HistogramGrid.of(title(vm, b.title()), List.of(b.title()), List.of(h));
    }

    /** Every card's histogram, or null while any is missing. */
    public static HistogramGrid histograms(PruningViewModel vm) {
        List<String> labels = new ArrayList<>();
        List<VarianceHistogram> hs = new ArrayList<>();
        for (BlockViewModel b : vm.blocks()) {
            VarianceHistogram h = b.histogramProperty().get();
            if (h == null) {
                return null;
            }
            labels.add(b.title());
            hs.add(h);
        }
        return hs.isEmpty() ? null : HistogramGrid.of(title(vm, "MLP neurons by activation variance"), labels, hs);
    }

    private static String title(PruningViewModel vm, String what) {
        LoadedModel m = vm.model();
        boolean removes = vm.blocks().stream().anyMatch(b -> b.histogramProperty().get() != null
                && b.histogramProperty().get().kept() != null && sum(b.histogramProperty().get().kept())
                        < sum(b.histogramProperty().get().total()));
        return (m == null ? "" : m.name() + ": ") + what + (removes ? " (removed in vermillion)" : "");
    }

    private static int sum(int[] counts) {
        int n = 0;
        for (int c : counts) {
            n += c;
        }
        return n;
    }

    /** The sensitivity curves the cards show, one per block (block 0 darkest), or null before any is measured. */
    public static LineFigure sensitivity(PruningViewModel vm) {
        List<Curve> curves = new ArrayList<>();
        for (BlockViewModel b : vm.blocks()) {
            BlockViewModel.SensitivityCurve c = b.sensitivityProperty().get();
            if (c != null) {
                double[] x = new double[c.ratios().length];
                for (int i = 0; i < x.length; i++) {
                    x[i] = 100 * c.ratios()[i];
                }
                curves.add(Curve.plain(b.title(), x, c.scores().clone()));
            }
        }
        if (curves.isEmpty()) {
            return null;
        }
        LoadedModel m = vm.model();
        return new LineFigure((m == null ? "" : m.name() + ": ") + "only one block pruned, on the calibration images",
                new LineFigure.Axes("neurons removed from the block (%)", "score (%)", true), curves, Double.NaN,
                Double.NaN, true);
    }
}
