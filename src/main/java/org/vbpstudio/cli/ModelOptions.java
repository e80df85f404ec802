package org.vbpstudio.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.ImageStream;
import org.vbpstudio.eval.BatchLimit;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import picocli.CommandLine.Option;

/** Options shared by commands that run a model over images. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "M",
            description = "Model directory (model.safetensors + config.json, timm or Hugging Face layout), or an .onnx file exported by this tool (run in ONNX Runtime).")
    Path model;

    @Option(names = "--batch", defaultValue = "" + ImageStream.DEFAULT_BATCH, paramLabel = "N",
            description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--trust-onnx", description = "With an .onnx --model: run any standard ONNX operator, control flow "
            + "(Loop, Scan, If) included. Without it only the operators this tool's exports use are accepted. "
            + "External data must lie beside the model, and tensors within the memory budget, either way.")
    boolean trustOnnx;

    /** Loads the model, refusing a --batch below 1 or beyond what fits in memory for it ({@link BatchLimit}). */
    LoadedModel load() {
        if (batch < 1) {
            throw new BadInputException("--batch must be at least 1, got " + batch);
        }
        LoadedModel m = ModelLoader.load(model);
        BatchLimit.check("--batch", batch, m.config());
        return m;
    }

    /** A negative --limit is bad input (commands call this before any long work; {@link #images} again). */
    static void checkLimit(int limit) {
        if (limit < 0) {
            throw new BadInputException("--limit must not be negative, got " + limit);
        }
    }

    /** Opens an image source and, when {@code limit} > 0, keeps {@code limit} images spread evenly over it ({@link ImageSource#spread}). */
    static ImageSource images(Path path, int limit) {
        checkLimit(limit);
        ImageSource source = ImageSources.open(path);
        return limit > 0 ? source.spread(limit) : source;
    }

    /**
     * The images labelled with the model's class indices ({@link ClassMapping#relabel}), the one
     * rule for a model directory and an ONNX file alike. When labels are optional (fidelity needs
     * none) folders that do not map give an unlabelled view, with a warning saying why.
     */
    static ImageSource labelled(ImageSource opened, List<String> classes, boolean labelsOptional, PrintWriter err) {
        try {
            return ClassMapping.relabel(opened, classes);
        } catch (BadInputException e) {
            if (!labelsOptional) {
                throw e;
            }
            err.println("warning: " + e.getMessage() + "; reporting fidelity only");
            return ClassMapping.relabelIfPossible(opened, classes);
        }
    }
}
