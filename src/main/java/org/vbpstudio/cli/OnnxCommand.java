package org.vbpstudio.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.onnx.OnnxExporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code onnx --model DIR --output F.onnx}: any model directory we load, as an ONNX file. */
@Command(name = "onnx", mixinStandardHelpOptions = true,
        description = {"Convert a model directory (original or pruned, timm or Hugging Face layout) to ONNX.",
                "Opset 17, float32, input pixel_values [N, C, H, W] (preprocessed), output logits [N, K];",
                "the preprocessing and class names are stored in the file's metadata."})
final class OnnxCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (or its model.safetensors).")
    Path model;

    @Option(names = "--output", required = true, paramLabel = "F.onnx", description = "ONNX file to write (atomically).")
    Path output;

    @Option(names = "--force", description = "Replace the file if it exists (never an input).")
    boolean force;

    @Override
    public Integer call() {
        OutputTarget target = OutputTarget.of(output, force, model);
        target.checkFile(); // before loading and converting
        LoadedModel m = ModelLoader.load(model);
        try {
            AtomicDirectory.writeFile(target,
                    tmp -> OnnxExporter.writeTo(OnnxExporter.build(m), tmp));
        } catch (IOException e) {
            throw BadInputException.cannotWrite(output, e);
        }
        spec.commandLine().getOut().println("wrote " + output + " (" + m.config() + ")");
        return VbpCommand.OK;
    }
}
