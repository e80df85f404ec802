package org.vbpstudio.cli;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.Accuracy;
import org.vbpstudio.eval.Evaluator;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.VisionTransformer;
import org.vbpstudio.model.onnx.OnnxModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Top-1 and top-5 accuracy of a model on a labelled image source.")
final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions options;

    @Option(names = "--images", required = true, paramLabel = "I", description = "Labelled image source.")
    Path images;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Only the first N images.")
    int limit;

    @Option(names = "--json", description = "One JSON object on stdout (fractions, not percentages).")
    boolean json;

    @Override
    public Integer call() {
        if (OnnxModel.isOnnxFile(options.model)) {
            return OnnxRun.eval(spec, options, images, limit, json);
        }
        LoadedModel model = options.load();
        ImageSource source = ModelOptions.images(images, limit);
        PrintWriter out = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        Accuracy acc;
        try (NDManager manager = Engines.newManager(); VisionTransformer vit = model.instantiate(manager)) {
            Progress progress = json ? Progress.NONE : new ConsoleProgress(spec.commandLine().getErr(), "eval");
            acc = Evaluator.evaluate(vit, source, model.preprocessing(), options.batch, MlpHook.NONE, progress);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (json) {
            JsonObject o = new JsonObject();
            o.addProperty("top1", acc.top1());
            o.addProperty("top5", acc.top5());
            o.addProperty("count", acc.count());
            o.addProperty("correct_top1", acc.correct1());
            o.addProperty("model", model.directory().toString());
            o.addProperty("images", images.toString());
            o.addProperty("seconds", Math.round(seconds * 1000) / 1000.0);
            out.println(o);
        } else {
            out.printf("top-1 %.4f (%d/%d)  top-5 %.4f  images %d  %.1f s%n",
                    acc.top1(), acc.correct1(), acc.count(), acc.top5(), acc.count(), seconds);
        }
        return 0;
    }
}
