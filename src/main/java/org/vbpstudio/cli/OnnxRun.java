package org.vbpstudio.cli;

import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.OnnxEvaluator;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.onnx.OnnxModel;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code predict} and {@code eval} when {@code --model} is an {@code .onnx} file: the same outputs,
 * computed by ONNX Runtime with the preprocessing and class names from the file's metadata. Labels
 * come from the same class mapping as a model directory's ({@link ClassMapping} through
 * {@link ModelOptions#labelled}), so both score the same images against the same classes.
 */
final class OnnxRun {
    /** How long Ctrl-C waits for the run under way to stop and the output's temporary file to go. */
    private static final long SHUTDOWN_WAIT_SECONDS = 10;

    private OnnxRun() {}

    static int predict(CommandSpec spec, ModelOptions options, Path images, int limit, OutputTarget output) {
        checkBatch(options);
        ImageSource opened = ModelOptions.images(images, limit);
        try (OnnxModel model = OnnxModel.open(options.model, options.trustOnnx)) {
            // labels are optional here: the model's class indices where the folders map, else empty
            ImageSource source = ClassMapping.relabelIfPossible(opened, model.labels());
            untilCtrlC(model, () -> {
                PredictionCsv.write(output, source, model.preprocessing(), options.batch, model.numClasses(),
                        new ConsoleProgress(spec.commandLine().getErr(), "predict"), model::logits);
                return null;
            });
        }
        spec.commandLine().getOut().println("wrote " + opened.size() + " predictions to " + output.path() + " (ONNX Runtime)");
        return VbpCommand.OK;
    }

    static int eval(CommandSpec spec, ModelOptions options, Path images, int limit, boolean json) {
        checkBatch(options);
        ImageSource opened = ModelOptions.images(images, limit);
        PrintWriter out = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        Accuracy acc;
        try (OnnxModel model = OnnxModel.open(options.model, options.trustOnnx)) {
            ImageSource source = ModelOptions.labelled(opened, model.labels(), false, spec.commandLine().getErr());
            Progress progress = json ? Progress.NONE : new ConsoleProgress(spec.commandLine().getErr(), "eval");
            acc = untilCtrlC(model, () -> OnnxEvaluator.evaluate(model, source, options.batch, progress));
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

    private static void checkBatch(ModelOptions options) {
        if (options.batch < 1) {
            throw new BadInputException("--batch must be at least 1, got " + options.batch);
        }
    }

    /**
     * Runs {@code work} so that Ctrl-C (or SIGTERM) stops it cleanly: the shutdown hook sets the
     * model's terminate flag and waits until the run under way has returned, the command has
     * removed its temporary output and the session is closed. Otherwise the JVM would exit, and
     * unload ONNX Runtime, while its threads still run (a native crash), leaving the temporary file.
     */
    static <T> T untilCtrlC(OnnxModel model, Supplier<T> work) {
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            model.terminate();
            try {
                finished.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "vbp-onnx-cancel");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return work.get();
        } finally {
            model.close(); // waits for a run under way; the output's temporary file is already gone
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already: the hook is running and now returns
            }
        }
    }
}
