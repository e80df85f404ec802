package org.vbpstudio.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.vbpstudio.io.SmallFiles;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.prune.Exporter;

/**
 * Writes a fine-tuned model as {@code prune} writes a pruned one ({@link ModelWriter}: timm-named F32
 * {@code model.safetensors}, {@code config.json} with {@code mlp_hidden_dims}, {@code labels.txt}),
 * keeps the pruned model's {@code plan.json} and {@code report.json} (fine-tuning changes no width,
 * so the report still holds), and adds {@code finetune.json}. The directory appears complete or not
 * at all ({@link AtomicDirectory}); an existing one is replaced only with {@code force}.
 */
public final class FinetuneExport {
    public static final String RECORD = "finetune.json";

    /**
     * How a pruned model was made: the texts of its {@code plan.json} and {@code report.json}, each
     * null when absent.
     */
    public record Provenance(String planJson, String reportJson) {
        public static final Provenance NONE = new Provenance(null, null);

        /** The sidecar files beside a model directory (a pruned export), where present. */
        public static Provenance of(Path modelDirectory) throws IOException {
            return new Provenance(read(modelDirectory.resolve(Exporter.PLAN)),
                    read(modelDirectory.resolve(Exporter.REPORT)));
        }

        /** The fingerprint of the model the report says was pruned, or null. */
        public String prunedFrom() {
            return field(reportJson, "model_fingerprint");
        }

        private static String read(Path p) throws IOException {
            return Files.isRegularFile(p) ? SmallFiles.readString(p, SmallFiles.JSON_MAX_BYTES, "a pruning record") : null;
        }
    }

    private FinetuneExport() {}

    /**
     * @param record     the contents of {@code finetune.json} ({@link FinetuneResult#toJson()} plus
     *                   where the data came from)
     * @param provenance the pruned model's plan and report, copied unchanged
     * @throws org.vbpstudio.io.BadInputException if {@code dir} exists without {@code force}, or
     *                                            cannot be created
     * @throws IOException                        if writing fails midway; nothing is left behind then
     */
    public static void write(Path dir, boolean force, FinetuneResult result, JsonObject record, Provenance provenance)
            throws IOException {
        write(OutputTarget.of(dir, force), result, record, provenance);
    }

    /** As {@link #write(Path, boolean, FinetuneResult, JsonObject, Provenance)}, protecting the target's inputs. */
    public static void write(OutputTarget target, FinetuneResult result, JsonObject record, Provenance provenance)
            throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        String prunedFrom = provenance.prunedFrom();
        if (prunedFrom != null) {
            metadata.put("pruned_from", prunedFrom);
        }
        if (provenance.planJson() != null) {
            metadata.put("pruning_plan", compact(provenance.planJson()));
        }
        metadata.put("finetuned_from", result.studentFingerprint());
        metadata.put("finetune_epochs", Integer.toString(result.options().training().epochs()));
        metadata.put("finetune_loss", result.options().describeLoss());
        if (!Double.isNaN(result.finalTop1())) {
            metadata.put("validation_top1", String.format(Locale.ROOT, "%.4f", result.finalTop1()));
        }
        Map<String, String> sidecars = new LinkedHashMap<>();
        if (provenance.planJson() != null) {
            sidecars.put(Exporter.PLAN, provenance.planJson());
        }
        if (provenance.reportJson() != null) {
            sidecars.put(Exporter.REPORT, provenance.reportJson());
        }
        sidecars.put(RECORD, ModelWriter.GSON.toJson(record) + "\n");
        Exporter.write(target, result.model(), metadata, sidecars, false);
    }

    private static String compact(String json) {
        try {
            return JsonParser.parseString(json).toString();
        } catch (JsonParseException e) {
            return json.strip();
        }
    }

    private static String field(String json, String key) {
        if (json == null) {
            return null;
        }
        try {
            JsonElement e = JsonParser.parseString(json);
            if (e.isJsonObject() && e.getAsJsonObject().has(key) && e.getAsJsonObject().get(key).isJsonPrimitive()) {
                return e.getAsJsonObject().get(key).getAsString();
            }
        } catch (JsonParseException | IllegalStateException e) {
            // an unreadable report has no fingerprint to offer
        }
        return null;
    }
}
