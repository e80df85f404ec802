package org.vbpstudio.app.preview;

import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.VitConfig;

/**
 * MACs and parameters of a pruned model against the original ({@link CostModel}), and how the app
 * words them.
 */
public record CostSummary(long macsBefore, long macsAfter, long paramsBefore, long paramsAfter) {

    /** The cost of {@code original} with its blocks narrowed to {@code widths}. */
    public static CostSummary of(VitConfig original, int[] widths) {
        VitConfig pruned = original.withMlpHiddenDims(widths);
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

    /** "8,035,488 of 11,795,616 (−31.9%)". */
    public String macsDetail() {
        return Formats.count(macsAfter) + " of " + Formats.count(macsBefore) + " (" + Formats.change(macsBefore, macsAfter) + ")";
    }

    public String paramsText() {
        return Formats.human(paramsAfter);
    }

    public String paramsDetail() {
        return Formats.count(paramsAfter) + " of " + Formats.count(paramsBefore) + " ("
                + Formats.change(paramsBefore, paramsAfter) + ")";
    }

    /** "1.47×". */
    public String speedupText() {
        return Formats.speedup(speedup());
    }
}
