package org.vbpstudio.eval;

import org.vbpstudio.model.Accuracy;

/**
 * What a pruned model scores on a set of images: accuracy against the labels (count 0 when there
 * are none) and fidelity to the original model (needs no labels).
 */
public record Scores(Accuracy accuracy, Fidelity fidelity) {
    public boolean labelled() {
        return accuracy.count() > 0;
    }

    /** Top-1 when labelled, else agreement with the original's top-1: the figure to plot. */
    public double headline() {
        return labelled() ? accuracy.top1() : fidelity.agreement();
    }
}
