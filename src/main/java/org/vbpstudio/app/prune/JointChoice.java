package org.vbpstudio.app.prune;

import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.prune.HeadSelection;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;

/**
 * What a joint plan ({@code "heads": {"joint": true}}) removes, neurons and heads ranked together:
 * the head scores {@code prune} computes ({@link Pruner#headScores}) through the one ranking it
 * runs ({@link HeadSelection#select}), so the preview shows what {@code prune --global --heads}
 * exports.
 */
final class JointChoice {
    private JointChoice() {}

    /**
     * @param neuronScores the plan's neuron scores ({@link Pruner#scores})
     * @throws IllegalArgumentException if the heads cannot be scored (statistics without the attention outputs')
     */
    static HeadSelection.Choice select(LoadedModel model, ActivationStats stats, PruningPlan plan,
            double[][] neuronScores) {
        return HeadSelection.select(plan, model.config(), neuronScores, Pruner.headScores(model, stats, plan));
    }
}
