package org.vbpstudio.train;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import org.vbpstudio.io.FormatVersion;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.LoadedModel;

/**
 * What {@code Finetuning} produced: the fine-tuned model (the student's widths, new weights), the
 * accuracy it started from and its teacher's, and the training history.
 *
 * @param model               the fine-tuned model (config, weights, preprocessing and labels of the student)
 * @param options             the recipe
 * @param baseline            validation top-1 of the student before fine-tuning and of the teacher
 * @param training            per-epoch history (loss, validation top-1, times, throughput)
 * @param studentFingerprint  the student's weights before fine-tuning ({@link LoadedModel#fingerprint()})
 * @param teacherFingerprint  the teacher's, when it was loaded from disk; else null
 * @param teacher             where the teacher came from, or null without one
 * @param seconds             wall time, baseline included
 * @param trainImages         training images per epoch
 * @param warnings            differences between teacher and student that did not stop the run
 */
public record FinetuneResult(LoadedModel model, FinetuneOptions options, Baseline baseline,
        TrainResult training, String studentFingerprint, String teacherFingerprint, String teacher, double seconds,
        int trainImages, List<String> warnings) {

    /** The accuracy before fine-tuning: the pruned student's and its teacher's (NaN when unknown). */
    public record Baseline(double studentTop1, double teacherTop1, int count) {}

    public FinetuneResult {
        warnings = List.copyOf(warnings);
    }

    /** Validation top-1 after the last epoch (NaN without validation data). */
    public double finalTop1() {
        return training.finalTop1();
    }

    /** Final top-1 as a fraction of the teacher's (NaN when either is unknown). */
    public double recovered() {
        return finalTop1() / baseline.teacherTop1();
    }

    /**
     * The first epoch after which validation top-1 reached {@code fraction} of the teacher's: 0 when
     * the pruned model already did before fine-tuning, -1 when it never did or is unknown.
     */
    public int epochsToReach(double fraction) {
        double target = fraction * baseline.teacherTop1();
        if (Double.isNaN(target)) {
            return -1;
        }
        if (baseline.studentTop1() >= target) {
            return 0;
        }
        for (TrainListener.Epoch e : training.history()) {
            if (e.validationTop1() >= target) {
                return e.epoch();
            }
        }
        return -1;
    }

    /**
     * The record written as {@code finetune.json}: options, baseline, every epoch and the totals.
     * Callers add where the data came from ({@code command}, sources).
     */
    public JsonObject toJson() {
        JsonObject j = FormatVersion.stamp(new JsonObject());
        j.addProperty("student_fingerprint", studentFingerprint);
        if (teacher != null) {
            j.addProperty("teacher", teacher);
        }
        if (teacherFingerprint != null) {
            j.addProperty("teacher_fingerprint", teacherFingerprint);
        }
        j.addProperty("architecture", model.config().architecture());
        JsonArray widths = new JsonArray();
        for (int w : model.config().mlpHiddenDims()) {
            widths.add(w);
        }
        j.add("mlp_hidden_dims", widths);
        j.addProperty("params", CostModel.totalParams(model.config()));
        j.addProperty("macs", CostModel.totalMacs(model.config()));
        j.add("options", options.toJson());
        j.addProperty("train_images", trainImages);
        if (baseline.count() > 0) {
            j.addProperty("validation_images", baseline.count());
            put(j, "teacher_top1", baseline.teacherTop1());
            put(j, "start_top1", baseline.studentTop1());
            put(j, "final_top1", finalTop1());
            put(j, "recovered", recovered());
        }
        j.addProperty("seconds", Math.round(seconds * 10) / 10.0);
        j.addProperty("skipped_steps", training.skippedSteps());
        JsonArray history = new JsonArray();
        for (TrainListener.Epoch e : training.history()) {
            history.add(e.toJson());
        }
        j.add("history", history);
        if (!warnings.isEmpty()) {
            JsonArray w = new JsonArray();
            warnings.forEach(w::add);
            j.add("warnings", w);
        }
        return j;
    }

    private static void put(JsonObject j, String key, double v) {
        if (!Double.isNaN(v)) {
            j.addProperty(key, Math.round(v * 1e6) / 1e6);
        }
    }
}
