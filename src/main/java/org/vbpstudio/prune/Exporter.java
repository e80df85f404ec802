package org.vbpstudio.prune;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.onnx.OnnxExporter;

/**
 * Writes a pruned model as a directory (docs/FORMATS.md): timm-named F32 {@code model.safetensors},
 * {@code config.json} with {@code model_args.mlp_hidden_dims}, {@code labels.txt}, and the
 * {@code plan.json} and {@code report.json} that produced it, and optionally {@code model.onnx}. The
 * directory appears complete or not at all ({@link AtomicDirectory}); an existing one is replaced
 * only with {@code force} and only when it is a previous export ({@link OutputTarget}).
 */
public final class Exporter {
    private static final Logger LOG = LoggerFactory.getLogger(Exporter.class);
    public static final String PLAN = "plan.json";
    public static final String REPORT = "report.json";

    private Exporter() {}

    /** {@link #export(OutputTarget, LoadedModel, PruningPlan, PruningReport)} with no inputs to protect. */
    public static void export(Path dir, boolean force, LoadedModel pruned, PruningPlan plan, PruningReport report)
            throws IOException {
        export(OutputTarget.of(dir, force), pruned, plan, report);
    }

    /**
     * @throws BadInputException if the target is refused ({@link OutputTarget#checkDirectory()}:
     *                           it exists and is not a previous export replaced with force, it is an
     *                           input, the working or home directory), or cannot be created
     * @throws IOException       if writing fails midway; nothing is left behind then
     */
    public static void export(OutputTarget target, LoadedModel pruned, PruningPlan plan, PruningReport report)
            throws IOException {
        export(target, pruned, plan, report, false);
    }

    /** As above; with {@code onnx}, {@code model.onnx} is written into the same atomic directory. */
    public static void export(Path dir, boolean force, LoadedModel pruned, PruningPlan plan, PruningReport report,
            boolean onnx) throws IOException {
        export(OutputTarget.of(dir, force), pruned, plan, report, onnx);
    }

    /** As above; with {@code onnx}, {@code model.onnx} is written into the same atomic directory. */
    public static void export(OutputTarget target, LoadedModel pruned, PruningPlan plan, PruningReport report,
            boolean onnx) throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("pruned_from", report.modelFingerprint());
        metadata.put("pruning_plan", plan.toJson().toString());
        Map<String, String> sidecars = new LinkedHashMap<>();
        sidecars.put(PLAN, plan.toJsonString() + "\n");
        sidecars.put(REPORT, report.toJsonString() + "\n");
        LOG.info("pruned with plan {}", plan.toJson());
        write(target, pruned, metadata, sidecars, onnx);
    }

    /**
     * The layout every model export shares (a pruned model here, a fine-tuned one in
     * {@code train.FinetuneExport}): {@link ModelWriter}'s model.safetensors (with {@code metadata}),
     * config.json and labels.txt, then each sidecar file (name → text, written as given, in order),
     * and with {@code onnx} model.onnx, all in one atomic directory.
     */
    public static void write(OutputTarget target, LoadedModel model, Map<String, String> metadata,
            Map<String, String> sidecars, boolean onnx) throws IOException {
        AtomicDirectory.write(target, tmp -> {
            ModelWriter.write(tmp, model.config(), model.weights(), model.preprocessing(), model.labels(), metadata);
            for (Map.Entry<String, String> f : sidecars.entrySet()) {
                Files.writeString(tmp.resolve(f.getKey()), f.getValue(), StandardCharsets.UTF_8);
            }
            if (onnx) {
                OnnxExporter.writeTo(OnnxExporter.build(model), tmp.resolve(OnnxExporter.FILE));
            }
        });
        LOG.info("exported {} (MLP widths {}{})", target.path().toAbsolutePath(),
                Arrays.toString(model.config().mlpHiddenDims()), onnx ? ", with model.onnx" : "");
    }

    /** {@link #checkTarget(OutputTarget)} with no inputs to protect. */
    public static void checkTarget(Path dir, boolean force) {
        checkTarget(OutputTarget.of(dir, force));
    }

    /**
     * Checks, without creating anything, that {@link #export} could write the target: so a command
     * fails before its long computation, not after. {@link #export} checks again.
     *
     * @throws BadInputException naming the directory and why it is refused
     */
    public static void checkTarget(OutputTarget target) {
        AtomicDirectory.check(target);
    }
}
