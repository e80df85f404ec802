package org.vbpstudio.cli;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Progress;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.eval.Evaluator;
import org.vbpstudio.eval.Fidelity;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.onnx.OnnxModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Top-1 and top-5 accuracy of a model on a labelled image source; with --reference, also "
                + "its fidelity to the original model (top-1 agreement, mean KL), which needs no labels.")
final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions options;

    @Option(names = "--images", required = true, paramLabel = "I",
            description = "Image source; labelled unless --reference is given. ImageFolder classes map to the "
                    + "model's by folder name (or ImageNet WordNet ID), else by position.")
    Path images;

    @Option(names = "--reference", paramLabel = "ORIGINAL",
            description = "The original model: report top-1 agreement with it and mean KL(original || model).")
    Path reference;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Only N images, spread evenly over the source.")
    int limit;

    @Option(names = "--json", description = "One JSON object on stdout (fractions, not percentages).")
    boolean json;

    @Override
    public Integer call() {
        if (OnnxModel.isOnnxFile(options.model)) {
            if (reference != null) {
                throw new BadInputException("--reference needs a model directory for --model, not an .onnx file");
            }
            return OnnxRun.eval(spec, options, images, limit, json);
        }
        LoadedModel model = options.load();
        LoadedModel original = reference == null ? null : ModelLoader.load(reference);
        int k = model.config().numClasses();
        if (original != null && original.config().numClasses() != k) {
            throw new BadInputException(reference, "classifies " + original.config().numClasses()
                    + " classes but " + options.model + " classifies " + k);
        }
        ImageSource source = ModelOptions.labelled(ModelOptions.images(images, limit), model.labels(), original != null,
                spec.commandLine().getErr());
        PrintWriter out = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        Accuracy acc;
        Fidelity fidelity = null;
        try (NDManager manager = Engines.newManager(); Network vit = model.instantiate(manager)) {
            Progress progress = json ? Progress.NONE : new ConsoleProgress(spec.commandLine().getErr(), "eval");
            if (original == null) {
                acc = Evaluator.evaluate(vit, source, model.preprocessing(), options.batch, MlpHook.NONE, progress);
            } else {
                try (Network ref = original.instantiate(manager)) {
                    Evaluator.Comparison c = Evaluator.compare(vit, model.preprocessing(), ref,
                            original.preprocessing(), source, options.batch, progress);
                    acc = c.accuracy();
                    fidelity = c.fidelity();
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long count = acc != null ? acc.count() : fidelity.count();
        if (json) {
            JsonObject o = new JsonObject();
            if (acc != null) {
                o.addProperty("top1", acc.top1());
                o.addProperty("top5", acc.top5());
            }
            if (fidelity != null) {
                o.addProperty("agreement", fidelity.agreement());
                o.addProperty("kl", fidelity.kl());
            }
            o.addProperty("count", count);
            if (acc != null) {
                o.addProperty("correct_top1", acc.correct1());
            }
            o.addProperty("model", model.directory().toString());
            if (original != null) {
                o.addProperty("reference", original.directory().toString());
            }
            o.addProperty("images", images.toString());
            o.addProperty("seconds", Math.round(seconds * 1000) / 1000.0);
            out.println(o);
        } else {
            StringBuilder line = new StringBuilder();
            if (acc != null) {
                line.append(String.format(Locale.ROOT, "top-1 %.4f (%d/%d)  top-5 %.4f  ", acc.top1(), acc.correct1(), acc.count(),
                        acc.top5()));
            }
            if (fidelity != null) {
                line.append(String.format(Locale.ROOT, "agreement %.4f (%d/%d)  KL %.6f nats  ", fidelity.agreement(),
                        fidelity.agree(), fidelity.count(), fidelity.kl()));
            }
            out.println(line.append(String.format(Locale.ROOT, "images %d  %.1f s", count, seconds)));
        }
        return 0;
    }
}
