package org.vbpstudio.app.undo;

import java.util.Arrays;
import java.util.List;
import org.vbpstudio.app.prune.BlockViewModel;
import org.vbpstudio.app.prune.PruningViewModel;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.HeadCut;
import org.vbpstudio.prune.PruningPlan;

/**
 * Everything the pruning controls hold, as one immutable value: what undo restores. New plan
 * controls (targets, say) become a field here and a line in {@link #capture} and {@link #restore}.
 *
 * @param blockRatios every block's slider, in per-block mode the plan itself (in global mode the
 *                    effective ratios the threshold gives)
 * @param normalize   the global threshold's standardisation
 * @param heads       the plan's attention heads (the removed list, joint, or null: none)
 * @param headRatio   the head ratio's slider (the heads it chose are in {@code heads}, toggles included)
 * @param jointHeads  "rank heads with the neurons", kept in per-block mode too, where it rests
 */
public record PlanState(PruningPlan.Mode mode, Criterion criterion, Compensation compensation, int roundTo,
        double globalRatio, List<Double> blockRatios, long seed, PruningPlan.Normalize normalize, HeadCut heads, double headRatio,
        boolean jointHeads) {

    public static PlanState capture(PruningViewModel p) {
        PruningPlan plan = p.plan();
        return new PlanState(p.modeProperty().get(), p.criterionProperty().get(), p.compensationProperty().get(),
                plan.roundTo(), p.globalRatioProperty().get(),
                p.blocks().stream().map(BlockViewModel::ratio).toList(), plan.seed(), plan.normalize(), plan.heads(),
                p.heads().ratioProperty().get(), p.heads().jointProperty().get());
    }

    /** Sets every control of {@code p} to this state (the plan is recomputed once per control). */
    public void restore(PruningViewModel p) {
        if (blockRatios.isEmpty() || blockRatios.size() != p.blocks().size()) {
            return; // no model, or another one: nothing to restore
        }
        PruningPlan.Cut cut;
        if (mode == PruningPlan.Mode.GLOBAL) {
            cut = new PruningPlan.Cut.Global(globalRatio);
        } else {
            p.globalRatioProperty().set(globalRatio); // in per-block mode this moves every block: the plan below resets them
            cut = new PruningPlan.Cut.PerBlock(blockRatios.stream().mapToDouble(Double::doubleValue).toArray());
        }
        p.restore(PruningPlan.of(cut).withCriterion(criterion).withCompensation(compensation).withRoundTo(roundTo)
                .withSeed(seed).withNormalize(normalize).withHeads(heads), headRatio, jointHeads);
    }

    @Override
    public String toString() {
        return mode + " " + criterion + " comp=" + compensation + " round=" + roundTo + " global=" + globalRatio + " "
                + Arrays.toString(blockRatios.toArray()) + " heads=" + heads + " headRatio=" + headRatio
                + (jointHeads ? " joint" : "");
    }
}
