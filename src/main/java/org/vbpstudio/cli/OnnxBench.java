package org.vbpstudio.cli;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.vbpstudio.eval.Timing;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.FileTrees;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.onnx.OnnxExporter;
import org.vbpstudio.model.onnx.OnnxModel;

/**
 * The deployment half of {@code bench}: the same forward pass timed in ONNX Runtime, for the
 * original and the pruned model exported exactly as {@code onnx} writes them, so the speed-up is
 * measured where pruned models are run, not only in the PyTorch engine.
 */
final class OnnxBench {
    private final int batch;
    private final int warmup;
    private final int iterations;

    OnnxBench(int batch, int warmup, int iterations) {
        this.batch = batch;
        this.warmup = warmup;
        this.iterations = iterations;
    }

    /** Adds onnx_forward (and onnx_pruned_forward, onnx_speedup when {@code pruned} is given) to {@code r}. */
    void addExported(JsonObject r, LoadedModel original, LoadedModel pruned) throws IOException {
        Path dir = Files.createTempDirectory("vbp-bench-onnx");
        try {
            Path a = dir.resolve("original.onnx");
            OnnxExporter.write(original, a);
            Timing fwd = time(a, false);
            r.add("onnx_forward", timingJson(fwd, batch, CostModel.totalMacs(original.config())));
            r.addProperty("onnx_vs_engine_forward", r.getAsJsonObject("forward").get("median_s").getAsDouble() / fwd.median());
            if (pruned != null) {
                Path b = dir.resolve("pruned.onnx");
                OnnxExporter.write(pruned, b);
                Timing pf = time(b, false);
                r.add("onnx_pruned_forward", timingJson(pf, batch, CostModel.totalMacs(pruned.config())));
                double macRatio = (double) CostModel.totalMacs(original.config()) / CostModel.totalMacs(pruned.config());
                r.addProperty("onnx_speedup", fwd.median() / pf.median());
                r.addProperty("onnx_speedup_over_mac_ratio", fwd.median() / pf.median() / macRatio);
            }
        } finally {
            FileTrees.deleteRecursively(dir);
        }
    }

    /** {@code bench --model F.onnx [--pruned P.onnx]}: ONNX Runtime only. */
    JsonObject files(Path model, Path pruned, boolean trusted) {
        JsonObject r = new JsonObject();
        r.addProperty("model", model.toString());
        r.addProperty("runtime", "onnxruntime");
        r.addProperty("batch", batch);
        r.addProperty("iterations", iterations);
        Timing fwd = time(model, trusted);
        r.add("onnx_forward", timingJson(fwd, batch, 0));
        if (pruned != null) {
            Timing pf = time(pruned, trusted);
            r.addProperty("pruned", pruned.toString());
            r.add("onnx_pruned_forward", timingJson(pf, batch, 0));
            r.addProperty("onnx_speedup", fwd.median() / pf.median());
        }
        return r;
    }

    /** The keys bench writes for every timing (median_s, p10_s, p90_s, images_per_s, gmacs_per_s). */
    private JsonObject timingJson(Timing t, int batchSize, long macsPerImage) {
        JsonObject o = new JsonObject();
        o.addProperty("median_s", t.median());
        o.addProperty("p10_s", t.quantile(0.1));
        o.addProperty("p90_s", t.quantile(0.9));
        o.addProperty("images_per_s", batchSize / t.median());
        if (macsPerImage > 0) {
            o.addProperty("gmacs_per_s", batchSize * (double) macsPerImage / t.median() / 1e9);
        }
        return o;
    }

    private Timing time(Path file, boolean trusted) {
        try (OnnxModel m = OnnxModel.open(file, trusted)) {
            float[] x;
            try {
                x = new float[Math.multiplyExact(batch, m.preprocessing().outputLength())];
            } catch (ArithmeticException e) {
                throw new BadInputException("--batch " + batch + " of " + m.preprocessing().outputLength()
                        + " floats per image is more than one array holds");
            }
            SplittableRandom rng = new SplittableRandom(0);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (rng.nextDouble() * 4 - 2);
            }
            return Timing.measure(warmup, iterations, () -> m.logits(x, batch));
        }
    }
}
