package org.vbpstudio.app.workspace;

import java.util.Arrays;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.prune.HeadSelection;
import org.vbpstudio.prune.PruningPlan;

/**
 * The plan as the user set it and what it selects: every block's kept width, (once importance
 * scores are available) the kept neurons themselves, and the attention heads removed per block.
 *
 * @param plan         the plan the controls describe
 * @param widths       kept width per block
 * @param kept         kept neuron indices per block, or null when the criterion's scores are not
 *                     available yet (variance before calibration)
 * @param removedHeads removed attention heads per block (sorted; empty: none), or null when none is removed
 */
public record PlanSelection(PruningPlan plan, int[] widths, int[][] kept, int[][] removedHeads) {
    public PlanSelection(PruningPlan plan, int[] widths, int[][] kept) {
        this(plan, widths, kept, null);
    }

    public boolean hasNeurons() {
        return kept != null;
    }

    /** Whether any block loses heads. */
    public boolean removesHeads() {
        return removedHeads != null && Arrays.stream(removedHeads).anyMatch(r -> r != null && r.length > 0);
    }

    /** {@code original} as this selection prunes it: its MLP widths and, when heads go, its head counts. */
    public ModelConfig prunedConfig(ModelConfig original) {
        return HeadSelection.prunedConfig(original, widths, removedHeads);
    }
}
