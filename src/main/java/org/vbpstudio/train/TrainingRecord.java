package org.vbpstudio.train;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import org.vbpstudio.model.Cost;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.ModelConfig;

/**
 * What {@code training.json} says about a {@code train} run: the command, the images, the options,
 * cost, time and the per-epoch history.
 *
 * @param command          the whole command line ({@code vbp-studio train …})
 * @param validation       the validation images as given, or null
 * @param validationImages how many of them were used (ignored without {@code validation})
 * @param init             the model training started from ({@code --init}), or null
 * @param threads          PyTorch intra-op threads
 */
public record TrainingRecord(String command, Path train, int trainImages, Path validation, int validationImages,
        Path init, int threads) {

    /** The contents of {@code training.json}. */
    public JsonObject toJson(ModelConfig cfg, TrainOptions o, TrainResult r) {
        JsonObject j = new JsonObject();
        j.addProperty("command", command);
        j.addProperty("train_images", trainImages);
        j.addProperty("train_source", train.toString());
        if (validation != null) {
            j.addProperty("validation_images", validationImages);
            j.addProperty("validation_source", validation.toString());
        }
        if (init != null) {
            j.addProperty("init", init.toString());
        }
        // not FinetuneOptions.toJson: training.json has its own keys and order (no optimizer, schedule or
        // distillation; the threads), as the sample model's training.json has them
        JsonObject opts = new JsonObject();
        opts.addProperty("epochs", o.epochs());
        opts.addProperty("batch_size", o.batchSize());
        opts.addProperty("lr", o.learningRate());
        opts.addProperty("min_lr", o.minLearningRate());
        opts.addProperty("weight_decay", o.weightDecay());
        opts.addProperty("warmup_epochs", o.warmupEpochs());
        opts.addProperty("label_smoothing", o.labelSmoothing());
        opts.addProperty("crop_padding", o.cropPadding());
        opts.addProperty("horizontal_flip", o.horizontalFlip());
        opts.addProperty("seed", o.seed());
        opts.addProperty("threads", threads);
        j.add("options", opts);
        Cost cost = CostModel.total(cfg);
        j.addProperty("params", cost.params());
        j.addProperty("macs", cost.macs());
        j.addProperty("seconds", Math.round(r.seconds() * 10) / 10.0);
        j.addProperty("skipped_steps", r.skippedSteps());
        if (!Double.isNaN(r.finalTop1())) {
            j.addProperty("validation_top1", r.finalTop1());
        }
        JsonArray epochsLog = new JsonArray();
        for (TrainListener.Epoch e : r.history()) {
            epochsLog.add(e.toJson());
        }
        j.add("history", epochsLog);
        return j;
    }
}
