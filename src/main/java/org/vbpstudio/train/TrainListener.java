package org.vbpstudio.train;

import com.google.gson.JsonObject;

/**
 * Progress of a {@link TrainingRun}, called on the training thread (an app hops to its UI thread
 * itself). Both methods default to doing nothing.
 */
public interface TrainListener {
    TrainListener NONE = new TrainListener() {};

    /**
     * After each optimiser step.
     *
     * @param epoch           1-based epoch
     * @param epochs          total epochs
     * @param step            1-based step within the epoch
     * @param stepsPerEpoch   steps of every epoch
     * @param globalStep      1-based step since the start
     * @param totalSteps      steps of the whole run
     * @param loss            this batch's training loss; NaN when the step was skipped because the
     *                        loss or a gradient was not finite (the weights were left unchanged)
     * @param learningRate    the learning rate this step used
     * @param imagesPerSecond training throughput since the epoch started
     */
    record Step(int epoch, int epochs, int step, int stepsPerEpoch, long globalStep, long totalSteps,
            float loss, float learningRate, double imagesPerSecond) {}

    /**
     * After each epoch, validation included.
     *
     * @param epoch            1-based epoch
     * @param epochs           total epochs
     * @param meanLoss         mean training loss over the epoch's applied steps
     * @param validationTop1   top-1 accuracy on the validation data (fraction), NaN without it
     * @param validationCount  images validated (0 without validation data)
     * @param trainSeconds     wall time of the epoch's training steps
     * @param validationSeconds wall time of the validation pass
     * @param imagesPerSecond  training throughput over the epoch
     * @param skippedSteps     steps skipped for a non-finite loss or gradient
     */
    record Epoch(int epoch, int epochs, double meanLoss, double validationTop1, int validationCount,
            double trainSeconds, double validationSeconds, double imagesPerSecond, int skippedSteps) {

        /** This epoch as a line of {@code training.json}'s or {@code finetune.json}'s history. */
        public JsonObject toJson() {
            JsonObject x = new JsonObject();
            x.addProperty("epoch", epoch);
            x.addProperty("train_loss", Math.round(meanLoss * 1e5) / 1e5);
            if (!Double.isNaN(validationTop1)) {
                x.addProperty("validation_top1", validationTop1);
            }
            x.addProperty("train_seconds", Math.round(trainSeconds * 10) / 10.0);
            x.addProperty("validation_seconds", Math.round(validationSeconds * 10) / 10.0);
            x.addProperty("images_per_second", Math.round(imagesPerSecond));
            if (skippedSteps > 0) {
                x.addProperty("skipped_steps", skippedSteps);
            }
            return x;
        }
    }

    default void onStep(Step step) {}

    default void onEpoch(Epoch epoch) {}
}
