package org.vbpstudio.prune;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.io.SmallFiles;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.VitConfig;

/**
 * Redoes an export from its {@code report.json} and the model it was pruned from, without
 * statistics: the recorded kept neurons and (mean compensation) the removed neurons' means give the
 * same surgery, so the same {@code model.safetensors}, byte for byte, whatever statistics would be
 * collected today; pruned attention heads are redone the same way ({@link HeadRecord}). A refit depends on the refit statistics beyond the means and is not replayed:
 * its report is refused (prune again with its plan.json and those statistics).
 */
public final class Replay {
    /** A report records every kept index and removed mean: a few MB for the largest ViTs. */
    public static final long MAX_BYTES = 64L << 20;

    private Replay() {}

    /**
     * Reads an export's report for a replay.
     *
     * @throws BadInputException one line naming {@code file}: unreadable, not a report, a newer
     *                           format, or one that records no surgery
     */
    public static PruningReport read(Path file) {
        JsonObject root = SmallFiles.readJsonObject(file, MAX_BYTES, "a pruning report",
                "is not a pruning report (the report.json of an export)");
        PruningReport report;
        try {
            report = PruningReport.fromJson(root);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, e.getMessage(), e);
        }
        if (report.surgery() == null || report.plan() == null) {
            throw new BadInputException(file, "records no kept neurons (an export of an earlier VBP Studio):"
                    + " prune again with its plan.json and statistics");
        }
        return report;
    }

    /**
     * The pruned model {@code report} describes, made from {@code model}.
     *
     * @throws BadInputException naming {@code file} if the report belongs to another model or was a refit
     */
    public static LoadedModel apply(LoadedModel model, PruningReport report, Path file) {
        if (!report.modelFingerprint().equals(model.fingerprint())) {
            throw new BadInputException(file, "was pruned from another model (fingerprint " + report.modelFingerprint()
                    + ", this model's is " + model.fingerprint() + ")");
        }
        if (report.compensation() == Compensation.REFIT) {
            throw new BadInputException(file, "was pruned with refit compensation, which a report cannot replay:"
                    + " prune again with its plan.json and the refit statistics");
        }
        try {
            double[][] means = report.surgery().means(model.config());
            Surgery.Result r = Surgery.apply(model.config(), model.weights(), report.surgery().kept(), means);
            HeadRecord heads = report.surgery().heads();
            if (heads == null) {
                return model.with(r.config(), r.weights(), model.directory());
            }
            if (!(model.config() instanceof VitConfig vit)) {
                throw new IllegalArgumentException("records pruned attention heads, but "
                        + model.config().architecture() + " has no head pruning");
            }
            HeadSurgery.Result h = HeadSurgery.apply((VitConfig) r.config(), r.weights(), heads.kept(), heads.means(vit));
            return model.with(h.config(), h.weights(), model.directory());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, e.getMessage(), e);
        }
    }

    /** Replays {@code report} on {@code model} and writes the export as {@link Exporter} does. */
    public static LoadedModel export(LoadedModel model, PruningReport report, Path file, OutputTarget out,
            boolean onnx) {
        Exporter.checkTarget(out);
        LoadedModel pruned = apply(model, report, file);
        try {
            Exporter.export(out, pruned, report.plan(), report, onnx);
        } catch (IOException e) {
            throw BadInputException.cannotWrite(out.path(), e);
        }
        return pruned;
    }
}
