package org.vbpstudio.prune;

import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.stats.ActivationStats;

/**
 * How MLP hidden neurons are scored, as in Torch-Pruning's {@code importance.py}: scores in, one
 * number per neuron out, nothing else. Low scores are removed first; the policy that turns scores
 * into a choice is {@link Selection}, and the change to the model is {@link Surgery}.
 */
@FunctionalInterface
public interface Importance {

    /**
     * One score per hidden neuron of every block: {@code result[b].length == cfg.mlpHiddenDim(b)}.
     *
     * @param stats activation statistics of this model; may be null for criteria that do not need
     *              them ({@link Criterion#needsStatistics()})
     * @throws IllegalArgumentException if {@code stats} is needed but missing or of other widths
     */
    double[][] scores(ModelWeights weights, ModelConfig cfg, ActivationStats stats);
}
