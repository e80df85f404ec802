package org.vbpstudio.eval;

import com.google.gson.JsonObject;
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

    /** Adds {@code top1} (when labelled), {@code agreement} and {@code kl} to a JSON point. */
    public JsonObject addTo(JsonObject j) {
        if (labelled()) {
            j.addProperty("top1", accuracy.top1());
        }
        j.addProperty("agreement", fidelity.agreement());
        j.addProperty("kl", fidelity.kl());
        return j;
    }
}
