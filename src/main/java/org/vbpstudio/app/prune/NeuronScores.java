package org.vbpstudio.app.prune;

import org.vbpstudio.app.workspace.ModelSession;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;

/**
 * The plan's criterion scores for every neuron of the open model, computed once per model,
 * criterion, statistics and seed: a slider's move re-selects from them without scoring again.
 */
final class NeuronScores {
    private record Key(ModelSession session, Criterion criterion, ActivationStats stats, long seed) {}

    private Key key;
    private double[][] scores;

    /** The scores {@code plan}'s criterion gives, or null when it needs statistics (or gradients) {@code stats} lacks. */
    double[][] of(ModelSession session, ActivationStats stats, PruningPlan plan) {
        if (plan.needsStatistics() && stats == null || plan.criterion().needsGradients() && !stats.hasTaylor()) {
            return null;
        }
        Key k = new Key(session, plan.criterion(), plan.criterion().needsStatistics() ? stats : null, plan.seed());
        if (!k.equals(key)) {
            scores = Pruner.scores(session.model(), stats, plan);
            key = k;
        }
        return scores;
    }

    /** Forgets the scores (another model). */
    void clear() {
        key = null;
        scores = null;
    }
}
