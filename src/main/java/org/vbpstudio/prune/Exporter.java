package org.vbpstudio.prune;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.onnx.OnnxExporter;

/**
 * Writes a pruned model as a directory (GUIDE §1, §5): timm-named F32 {@code model.safetensors},
 * {@code config.json} with {@code model_args.mlp_hidden_dims}, {@code labels.txt}, and the
 * {@code plan.json} and {@code report.json} that produced it, and optionally {@code model.onnx}. The
 * directory appears complete or not at all ({@link AtomicDirectory}); an existing one is replaced
 * only with {@code force} and only when it is a previous export ({@link OutputTarget}).
 */
public final class Exporter {
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
        AtomicDirectory.write(target, tmp -> {
            ModelWriter.write(tmp, pruned.config(), pruned.weights(), pruned.preprocessing(), pruned.labels(), metadata);
            Files.writeString(tmp.resolve(PLAN), plan.toJsonString() + "\n", StandardCharsets.UTF_8);
            Files.writeString(tmp.resolve(REPORT), report.toJsonString() + "\n", StandardCharsets.UTF_8);
            if (onnx) {
                OnnxExporter.writeTo(OnnxExporter.build(pruned), tmp.resolve(OnnxExporter.FILE));
            }
        });
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
