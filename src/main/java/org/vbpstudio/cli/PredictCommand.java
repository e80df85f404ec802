package org.vbpstudio.cli;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.onnx.OnnxModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Write every image's logits and predicted class to a CSV "
                + "(path,label,predicted,logit_0,…), in source order.")
final class PredictCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions options;

    @Option(names = "--images", required = true, paramLabel = "I",
            description = "Image source: ImageFolder, flat folder or IDX pair.")
    Path images;

    @Option(names = "--output", required = true, paramLabel = "F.csv", description = "CSV file to write (atomically).")
    Path output;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Only N images, spread evenly over the source (rows stay in source order).")
    int limit;

    @Option(names = "--force", description = "Replace the --output file if it exists (never an input).")
    boolean force;

    @Override
    public Integer call() throws IOException {
        OutputTarget target = OutputTarget.of(output, force, options.model, images);
        target.checkFile(); // before any long computation
        if (OnnxModel.isOnnxFile(options.model)) {
            return OnnxRun.predict(spec, options, images, limit, target);
        }
        LoadedModel model = options.load();
        // labels are optional here: the model's class indices where the folders map, else empty
        ImageSource source = ClassMapping.relabelIfPossible(ModelOptions.images(images, limit), model.labels());
        int k = model.config().numClasses();
        try (NDManager manager = Engines.newManager(); Network vit = model.instantiate(manager)) {
            PredictionCsv.write(target, source, model.preprocessing(), options.batch, k,
                    new ConsoleProgress(spec.commandLine().getErr(), "predict"),
                    (pixels, count) -> vit.logits(pixels, count, MlpHook.NONE));
        }
        spec.commandLine().getOut().println("wrote " + source.size() + " predictions to " + output);
        return 0;
    }
}
