package org.vbpstudio.train;

import com.google.gson.JsonObject;
import java.nio.file.Path;

/**
 * What {@code finetune.json} says besides the result ({@link FinetuneResult#toJson()}): who ran the
 * fine-tuning (the command line, or the app's panel), on which model and images. The one builder of
 * that file for the {@code finetune} command and the app's Recover panel.
 *
 * @param command    the whole command line ({@code vbp-studio finetune …}), or null from the app
 * @param source     what ran it when no command did ("VBP Studio, Recover panel"), or null
 * @param model      the fine-tuned (pruned) model's directory as given
 * @param plan       the pruning plan the app applied first ({@code PruningPlan.toJson()}), or null
 * @param train      the training images as given
 * @param validation the validation images as given, or null
 * @param threads    the command's {@code --threads}, or null
 */
public record FinetuneRecord(String command, String source, Path model, JsonObject plan, Path train, Path validation,
        Integer threads) {

    /** A record of the {@code finetune} command. */
    public static FinetuneRecord ofCommand(String command, Path model, Path train, Path validation, int threads) {
        return new FinetuneRecord(command, null, model, null, train, validation, threads);
    }

    /** A record of a fine-tuning the app ran after pruning {@code model} by {@code plan}. */
    public static FinetuneRecord ofApp(String source, Path model, JsonObject plan, Path train, Path validation) {
        return new FinetuneRecord(null, source, model, plan, train, validation, null);
    }

    /** The contents of {@code finetune.json}: these fields, then the result's. */
    public JsonObject toJson(FinetuneResult result) {
        return toJson(result.toJson());
    }

    /** These fields, then {@code resultFields}. */
    JsonObject toJson(JsonObject resultFields) {
        JsonObject j = new JsonObject();
        if (command != null) {
            j.addProperty("command", command);
        }
        if (source != null) {
            j.addProperty("source", source);
        }
        j.addProperty("model", model.toString());
        if (plan != null) {
            j.add("plan", plan);
        }
        j.addProperty("train_source", train.toString());
        if (validation != null) {
            j.addProperty("validation_source", validation.toString());
        }
        if (threads != null) {
            j.addProperty("threads", threads);
        }
        resultFields.entrySet().forEach(e -> j.add(e.getKey(), e.getValue()));
        return j;
    }
}
