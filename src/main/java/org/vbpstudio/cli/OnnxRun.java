package org.vbpstudio.cli;

import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageStream;
import org.vbpstudio.data.Progress;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.eval.OnnxEvaluator;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.onnx.OnnxModel;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code predict} and {@code eval} when {@code --model} is an {@code .onnx} file: the same outputs,
 * computed by ONNX Runtime with the preprocessing and class names from the file's metadata. Kept
 * apart so the commands only gain a branch.
 */
final class OnnxRun {
    private OnnxRun() {}

    static int predict(CommandSpec spec, ModelOptions options, Path images, int limit, OutputTarget output) {
        if (options.batch < 1) {
            throw new BadInputException("--batch must be at least 1, got " + options.batch);
        }
        ImageSource source = ModelOptions.images(images, limit);
        try (OnnxModel model = OnnxModel.open(options.model)) {
            ImageStream.checkLabels(source, model.numClasses());
            int k = model.numClasses();
            PredictionCsv.write(output, source, model.preprocessing(), options.batch, k,
                    new ConsoleProgress(spec.commandLine().getErr(), "predict"), model::logits);
        }
        spec.commandLine().getOut().println("wrote " + source.size() + " predictions to " + output.path() + " (ONNX Runtime)");
        return VbpCommand.OK;
    }

    static int eval(CommandSpec spec, ModelOptions options, Path images, int limit, boolean json) {
        if (options.batch < 1) {
            throw new BadInputException("--batch must be at least 1, got " + options.batch);
        }
        ImageSource source = ModelOptions.images(images, limit);
        PrintWriter out = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        Accuracy acc;
        try (OnnxModel model = OnnxModel.open(options.model)) {
            Progress progress = json ? Progress.NONE : new ConsoleProgress(spec.commandLine().getErr(), "eval");
            acc = OnnxEvaluator.evaluate(model, source, options.batch, progress);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (json) {
            JsonObject o = new JsonObject();
            o.addProperty("top1", acc.top1());
            o.addProperty("top5", acc.top5());
            o.addProperty("count", acc.count());
            o.addProperty("correct_top1", acc.correct1());
            o.addProperty("model", options.model.toString());
            o.addProperty("images", images.toString());
            o.addProperty("runtime", "onnxruntime");
            o.addProperty("seconds", Math.round(seconds * 1000) / 1000.0);
            out.println(o);
        } else {
            out.printf("top-1 %.4f (%d/%d)  top-5 %.4f  images %d  %.1f s (ONNX Runtime)%n",
                    acc.top1(), acc.correct1(), acc.count(), acc.top5(), acc.count(), seconds);
        }
        return VbpCommand.OK;
    }
}
