package org.vbpstudio.cli;

import ai.djl.ndarray.NDManager;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.eval.Accuracy;
import org.vbpstudio.data.ImageStream;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.VisionTransformer;
import org.vbpstudio.model.onnx.OnnxModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

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

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Only the first N images.")
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
        try (NDManager manager = Engines.newManager(); VisionTransformer vit = model.instantiate(manager)) {
            AtomicDirectory.writeFile(target, tmp -> {
                try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                    StringBuilder header = new StringBuilder("path,label,predicted");
                    for (int j = 0; j < k; j++) {
                        header.append(",logit_").append(j);
                    }
                    w.write(header.append('\n').toString());
                    ImageStream.forEachBatch(source, model.preprocessing(), options.batch,
                            new ConsoleProgress(spec.commandLine().getErr(), "predict"), batch -> {
                                float[] logits = vit.logits(batch.pixels(), batch.count(), MlpHook.NONE);
                                try {
                                    for (int i = 0; i < batch.count(); i++) {
                                        w.write(row(batch.names().get(i), batch.labels()[i], logits, i * k, k));
                                    }
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            });
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
            });
        } catch (IOException e) {
            throw new BadInputException(output, "cannot write (" + e.getMessage() + ")");
        }
        spec.commandLine().getOut().println("wrote " + source.size() + " predictions to " + output);
        return 0;
    }

    static String row(String name, int label, float[] logits, int offset, int k) {
        StringBuilder s = new StringBuilder(csv(name)).append(',');
        if (label >= 0) {
            s.append(label);
        }
        s.append(',').append(Accuracy.argmax(logits, offset, k));
        for (int j = 0; j < k; j++) {
            s.append(',').append(logits[offset + j]);
        }
        return s.append('\n').toString();
    }

    /** RFC 4180: a field holding a comma, quote, CR or LF is quoted, its quotes doubled. */
    static String csv(String field) {
        boolean quote = field.chars().anyMatch(c -> c == ',' || c == '"' || c == '\r' || c == '\n');
        return quote ? '"' + field.replace("\"", "\"\"") + '"' : field;
    }
}
