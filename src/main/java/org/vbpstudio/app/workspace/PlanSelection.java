package org.vbpstudio.app.workspace;

import org.vbpstudio.prune.PruningPlan;

/**
 * The plan as the user set it and what it selects: every block's kept width, and (once importance
 * scores are available) the kept neurons themselves.
 *
 * @param plan   the plan the controls describe
 * @param widths kept width per block
 * @param kept   kept neuron indices per block, or null when the criterion's scores are not
 *               available yet (variance before calibration)
 */
public record PlanSelection(PruningPlan plan, int[] widths, int[][] kept) {
    public boolean hasNeurons() {
        return kept != null;
    }
}
