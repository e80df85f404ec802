package org.vbpstudio.app.preview;

import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.ModelConfig;

/**
 * MACs and parameters of a pruned model against the original ({@link CostModel}), and how the app
 * words them.
 */
public record CostSummary(long macsBefore, long macsAfter, long paramsBefore, long paramsAfter) {

    /** The cost of {@code pruned} (e.g. {@code PlanSelection.prunedConfig}) against {@code original}: {@link CostModel}. */
    public static CostSummary of(ModelConfig original, ModelConfig pruned) {
        return new CostSummary(CostModel.totalMacs(original), CostModel.totalMacs(pruned),
                CostModel.totalParams(original), CostModel.totalParams(pruned));
    }

    /** The MAC ratio original / pruned. */
    public double speedup() {
        return (double) macsBefore / macsAfter;
    }

    /** "8.04 M". */
    public String macsText() {
        return Formats.human(macsAfter);
    }

    /**
     * "8,035,488" over "−31.9% of 11.80 M": the exact count, then the change against the original
     * in two short lines, so that DeiT-Base's billions fit a half-width card too.
     */
    public String macsDetail() {
        return detail(macsBefore, macsAfter);
    }

    public String paramsText() {
        return Formats.human(paramsAfter);
    }

    /** As {@link #macsDetail()}: "456,394" over "−32.8% of 678.73 K". */
    public String paramsDetail() {
        return detail(paramsBefore, paramsAfter);
    }

    private static String detail(long before, long after) {
        return Formats.count(after) + "\n" + Formats.change(before, after) + " of " + Formats.human(before);
    }

    /** "1.47×". */
    public String speedupText() {
        return Formats.speedup(speedup());
    }
}
