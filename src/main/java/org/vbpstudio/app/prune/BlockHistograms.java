package org.vbpstudio.app.prune;

import java.util.Arrays;
import java.util.List;
import org.vbpstudio.stats.VarianceHistogram;
import org.vbpstudio.app.workspace.PlanSelection;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.stats.ActivationStats;

/** The block cards' variance histograms, on one log range shared by every block so cards compare. */
final class BlockHistograms {
    private BlockHistograms() {}

    /**
     * @param stats     the statistics to draw (null, or of other widths: no histograms)
     * @param selection what the plan keeps, coloured kept/removed (null: all one colour, as while
     *                  calibrating)
     */
    static void show(List<BlockViewModel> blocks, ActivationStats stats, PlanSelection selection, Criterion criterion) {
        int[] widths = blocks.stream().mapToInt(BlockViewModel::hidden).toArray();
        if (stats == null || !Arrays.equals(stats.widths(), widths)) {
            blocks.forEach(b -> b.histogramProperty().set(null));
            return;
        }
        double[][] variances = new double[stats.depth()][];
        for (int b = 0; b < variances.length; b++) {
            variances[b] = stats.variance(b);
        }
        double[] range = VarianceHistogram.range(variances);
        boolean showKept = selection != null && selection.hasNeurons();
        boolean cut = showKept && criterion == Criterion.VARIANCE; // only then one threshold separates kept and removed
        for (BlockViewModel b : blocks) {
            int[] kept = showKept ? selection.kept()[b.index()] : null;
            b.histogramProperty().set(VarianceHistogram.of(variances[b.index()], kept, range[0], range[1], cut));
        }
    }
}
