package org.vbpstudio.train;

import com.google.gson.JsonObject;
import java.util.Objects;

/**
 * The recipe of recovery fine-tuning ({@link Finetuning}): the optimiser and schedule of a
 * {@link TrainOptions}, and whether and how the unpruned model teaches the pruned one
 * ({@link DistillationLoss}).
 *
 * @param training     epochs, batch, AdamW learning rate and cosine schedule, weight decay, warm-up,
 *                     label smoothing, augmentation, seed
 * @param distillation true: soft targets of a teacher mixed with the hard labels; false: the labels
 *                     only (label-smoothed cross-entropy), for comparison
 * @param alpha        weight of the distillation term, in [0, 1] (ignored without distillation)
 * @param temperature  softmax temperature T &gt; 0 of teacher and student (ignored without distillation)
 */
public record FinetuneOptions(TrainOptions training, boolean distillation, float alpha, float temperature) {
    public static final float DEFAULT_ALPHA = 0.5f;
    public static final float DEFAULT_TEMPERATURE = 4f;

    public FinetuneOptions {
        Objects.requireNonNull(training, "training");
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], not " + alpha);
        }
        if (!(temperature > 0) || !Float.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive, not " + temperature);
        }
    }

    /**
     * 3 epochs, batch 64, AdamW at peak learning rate 1e-4 after a warm-up of 0.1 epoch, cosine to
     * 1e-6, weight decay 0.05, label smoothing 0.1, random horizontal flips; distillation with
     * α 0.5 and T 4. Measured on the sample model in its MODEL_CARD.md ("Recovery fine-tuning").
     */
    public static FinetuneOptions defaults() {
        TrainOptions t = new TrainOptions(3, 64, 1e-4f, 1e-6f, 0.05f, 0.1f, 0.1f, 0, true, 0);
        return new FinetuneOptions(t, true, DEFAULT_ALPHA, DEFAULT_TEMPERATURE);
    }

    public FinetuneOptions withTraining(TrainOptions t) {
        return new FinetuneOptions(t, distillation, alpha, temperature);
    }

    public FinetuneOptions withEpochs(int n) {
        return withTraining(training.withEpochs(n));
    }

    /** Distillation on with the given α and T. */
    public FinetuneOptions withDistillation(float a, float t) {
        return new FinetuneOptions(training, true, a, t);
    }

    /** Hard labels only (α and T are kept, unused). */
    public FinetuneOptions withoutDistillation() {
        return new FinetuneOptions(training, false, alpha, temperature);
    }

    /** The objective these options train with. */
    public LabelSmoothingLoss loss() {
        return distillation ? new DistillationLoss(alpha, temperature, training.labelSmoothing())
                : new LabelSmoothingLoss(training.labelSmoothing());
    }

    /** As {@code finetune.json} records them. */
    public JsonObject toJson() {
        TrainOptions o = training;
        JsonObject j = new JsonObject();
        j.addProperty("epochs", o.epochs());
        j.addProperty("batch_size", o.batchSize());
        j.addProperty("optimizer", "adamw");
        j.addProperty("lr", o.learningRate());
        j.addProperty("min_lr", o.minLearningRate());
        j.addProperty("schedule", "cosine");
        j.addProperty("warmup_epochs", o.warmupEpochs());
        j.addProperty("weight_decay", o.weightDecay());
        j.addProperty("label_smoothing", o.labelSmoothing());
        j.addProperty("crop_padding", o.cropPadding());
        j.addProperty("horizontal_flip", o.horizontalFlip());
        j.addProperty("seed", o.seed());
        j.addProperty("distillation", distillation);
        if (distillation) {
            j.addProperty("alpha", alpha);
            j.addProperty("temperature", temperature);
        }
        return j;
    }

    /** "distillation α 0.5, T 4" or "no distillation". */
    public String describeLoss() {
        return distillation ? "distillation α " + trim(alpha) + ", T " + trim(temperature) : "no distillation";
    }

    private static String trim(float v) {
        return v == Math.rint(v) ? Integer.toString((int) v) : Float.toString(v);
    }
}
