package org.vbpstudio.train;

import java.util.List;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelWeights;

/**
 * What a {@link TrainingRun} produced.
 *
 * @param config  the architecture (as given: training never changes widths)
 * @param weights the trained parameters under timm names
 * @param history one entry per epoch
 * @param seconds wall time of the whole run
 * @param skippedSteps steps skipped because their loss or gradients were not finite
 */
public record TrainResult(ModelConfig config, ModelWeights weights, List<TrainListener.Epoch> history, double seconds,
        int skippedSteps) {
    public TrainResult {
        history = List.copyOf(history);
    }

    /** Validation top-1 after the last epoch (NaN without validation data). */
    public double finalTop1() {
        return history.isEmpty() ? Double.NaN : history.get(history.size() - 1).validationTop1();
    }
}
