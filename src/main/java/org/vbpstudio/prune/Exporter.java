package org.vbpstudio.prune;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.onnx.OnnxExporter;

/**
 * Writes a pruned model as a directory (GUIDE §1, §5): timm-named F32 {@code model.safetensors},
 * {@code config.json} with {@code model_args.mlp_hidden_dims}, {@code labels.txt}, and the
 * {@code plan.json} and {@code report.json} that produced it, and optionally {@code model.onnx}. The directory appears complete or not
 * at all ({@link AtomicDirectory}); an existing one is replaced only with {@code force}.
 */
public final class Exporter {
    public static final String PLAN = "plan.json";
    public static final String REPORT = "report.json";

    private Exporter() {}

    /**
     * @throws BadInputException if {@code dir} exists (and is not an empty directory) without
     *                           {@code force}, or cannot be created
     * @throws IOException       if writing fails midway; nothing is left behind then
     */
    public static void export(Path dir, boolean force, LoadedModel pruned, PruningPlan plan, PruningReport report)
            throws IOException {
        export(dir, force, pruned, plan, report, false);
    }

    /** As above; with {@code onnx}, {@code model.onnx} is written into the same atomic directory. */
    public static void export(Path dir, boolean force, LoadedModel pruned, PruningPlan plan, PruningReport report,
            boolean onnx) throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("pruned_from", report.modelFingerprint());
        metadata.put("pruning_plan", plan.toJson().toString());
        AtomicDirectory.write(dir, force, tmp -> {
            ModelWriter.write(tmp, pruned.config(), pruned.weights(), pruned.preprocessing(), pruned.labels(), metadata);
            Files.writeString(tmp.resolve(PLAN), plan.toJsonString() + "\n", StandardCharsets.UTF_8);
            Files.writeString(tmp.resolve(REPORT), report.toJsonString() + "\n", StandardCharsets.UTF_8);
            if (onnx) {
                OnnxExporter.writeTo(OnnxExporter.build(pruned), tmp.resolve(OnnxExporter.FILE));
            }
        });
    }

    /**
     * Checks, without creating anything, that {@link #export} could write {@code dir}: so a command
     * fails before its long computation, not after. {@link #export} checks again.
     *
     * @throws BadInputException if it exists without {@code force}, or its nearest existing ancestor
     *                           is not a writable directory
     */
    public static void checkTarget(Path dir, boolean force) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS) && !force && !AtomicDirectory.isEmptyDirectory(abs)) {
            throw new BadInputException(dir, "already exists (use --force to replace it)");
        }
        checkParent(dir);
    }

    /** The nearest existing ancestor of {@code target} must be a writable directory. */
    public static void checkParent(Path target) {
        Path p = target.toAbsolutePath().normalize().getParent();
        if (p == null) {
            throw new BadInputException(target, "cannot write here (no parent directory)");
        }
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null || !Files.isDirectory(p)) {
            throw new BadInputException(target, "cannot write here (" + p + " is not a directory)");
        }
        if (!Files.isWritable(p)) {
            throw new BadInputException(target, "cannot write here (" + p + " is not writable)");
        }
    }
}
