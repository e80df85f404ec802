package org.vbpstudio.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Progress;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.ComputeThreads;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsCollector;
import org.vbpstudio.stats.StatsHook;

/**
 * {@code bench}'s forward timings: the model's forward pass (optionally beside the plain-DJL
 * yardstick), the same with statistics collection, a pruned model's speed-up beside its MAC ratio,
 * and the calibration pipeline's images per second. Sizes are checked before anything runs.
 *
 * @param batch      images per timed forward pass
 * @param warmup     untimed passes first
 * @param iterations timed passes
 */
public record ForwardBenchmark(int batch, int warmup, int iterations) {
    /** Timed passes at most: each is a forward pass, so ten thousand already take hours at DeiT-Base scale. */
    public static final int MAX_ITERATIONS = 10_000;

    /** Width and height of {@code --synthetic-images}. */
    public static final int SYNTHETIC_WIDTH = 320;
    public static final int SYNTHETIC_HEIGHT = 240;

    /** @throws BadInputException naming the option and its bound */
    public void check(ModelConfig cfg, int synthetic) throws IOException {
        if (synthetic != 0) {
            SyntheticImages.checkCount(synthetic, SYNTHETIC_WIDTH, SYNTHETIC_HEIGHT);
        }
        BatchLimit.check("--batch", batch, cfg);
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new BadInputException("--iterations must be from 1 to " + MAX_ITERATIONS + ", got " + iterations);
        }
        if (warmup < 0 || warmup > MAX_ITERATIONS) {
            throw new BadInputException("--warmup must be from 0 to " + MAX_ITERATIONS + ", got " + warmup);
        }
    }

    /**
     * Times {@code original} (and {@code pruned}, when not null) into {@code r}.
     *
     * @param baseline also time the plain-DJL yardstick
     */
    public void forward(JsonObject r, LoadedModel original, LoadedModel pruned, boolean baseline) {
        ModelConfig cfg = original.config();
        long macs = CostModel.totalMacs(cfg);
        r.addProperty("batch", batch);
        r.addProperty("iterations", iterations);
        r.addProperty("threads", ComputeThreads.opThreads()); // PyTorch's per-op threads, all cores unless set
        r.addProperty("macs", macs);
        r.addProperty("params", CostModel.totalParams(cfg));
        try (NDManager manager = Engines.newManager()) {
            Timing fwd = timeForward(original, manager, MlpHook.NONE);
            put(r, "forward", fwd, macs);
            if (baseline && original.config() instanceof VitConfig) { // the plain yardstick is written for a ViT
                put(r, "plain_djl", timeBaseline(original, manager), macs);
                r.addProperty("runtime_vs_plain", r.getAsJsonObject("plain_djl").get("median_s").getAsDouble() / fwd.median());
            }
            Timing withStats;
            try (StatsHook hook = new StatsHook(new ActivationStats(cfg.mlpHiddenDims()))) {
                withStats = timeForward(original, manager, hook);
            }
            put(r, "forward_with_stats", withStats, macs);
            r.addProperty("stats_overhead", withStats.median() / fwd.median() - 1);
            if (pruned != null) {
                long prunedMacs = CostModel.totalMacs(pruned.config());
                r.add("pruned_widths", new Gson().toJsonTree(pruned.config().mlpHiddenDims()));
                Timing pf = timeForward(pruned, manager, MlpHook.NONE);
                put(r, "pruned_forward", pf, prunedMacs);
                double macRatio = (double) macs / prunedMacs;
                r.addProperty("pruned_macs", prunedMacs);
                r.addProperty("mac_ratio", macRatio);
                r.addProperty("speedup", fwd.median() / pf.median());
                r.addProperty("speedup_over_mac_ratio", fwd.median() / pf.median() / macRatio);
            }
        }
    }

    /**
     * The calibration pipeline (decode, preprocess, statistics) over {@code images}, or over
     * {@code synthetic} random PNGs written to a temporary folder that is removed afterwards, also
     * when the process is stopped (0: none).
     */
    public void calibration(JsonObject r, LoadedModel original, Path images, int synthetic) throws IOException {
        if (images == null && synthetic == 0) {
            return;
        }
        try (SyntheticImages.Folder folder = synthetic != 0
                        ? SyntheticImages.write(synthetic, SYNTHETIC_WIDTH, SYNTHETIC_HEIGHT, 42) : null;
                NDManager manager = Engines.newManager();
                Network vit = original.instantiate(manager)) {
            ImageSource src = ImageSources.open(folder != null ? folder.path() : images);
            long t0 = System.nanoTime();
            StatsCollector.collect(vit, src, original.preprocessing(), batch, Progress.NONE);
            double s = (System.nanoTime() - t0) / 1e9;
            r.addProperty("calibration_images", src.size());
            r.addProperty("calibration_images_per_s", src.size() / s);
        }
    }

    /**
     * The batch every forward timing runs on (and {@code --peer} hands to PyTorch eager): standard
     * normal pixels from a fixed seed, so every engine and every run sees the same numbers.
     */
    public float[] input(ModelConfig c) {
        float[] x = new float[Math.multiplyExact(Math.multiplyExact(batch, c.inChans()), c.imgSize() * c.imgSize())];
        Random rng = new Random(0);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return x;
    }

    private Timing timeForward(LoadedModel m, NDManager manager, MlpHook hook) {
        ModelConfig c = m.config();
        try (Network vit = m.instantiate(manager); NDManager sub = manager.newSubManager()) {
            NDArray x = sub.create(input(c), new Shape(batch, c.inChans(), c.imgSize(), c.imgSize()));
            return Timing.measure(warmup, iterations, () -> {
                try (NDManager step = sub.newSubManager()) {
                    NDArray in = x.duplicate();
                    in.attach(step);
                    vit.forward(in, hook).toFloatArray();
                }
            });
        }
    }

    private Timing timeBaseline(LoadedModel m, NDManager manager) {
        ModelConfig c = m.config();
        try (PlainVitBaseline plain = new PlainVitBaseline((VitConfig) c, m.weights(), manager); NDManager sub = manager.newSubManager()) {
            NDArray x = sub.create(input(c), new Shape(batch, c.inChans(), c.imgSize(), c.imgSize()));
            return Timing.measure(warmup, iterations, () -> {
                try (NDManager step = sub.newSubManager()) {
                    NDArray in = x.duplicate();
                    in.attach(step);
                    plain.forward(in).toFloatArray();
                }
            });
        }
    }

    private void put(JsonObject r, String key, Timing t, long macsPerImage) {
        JsonObject o = new JsonObject();
        o.addProperty("median_s", t.median());
        o.addProperty("p10_s", t.quantile(0.1));
        o.addProperty("p90_s", t.quantile(0.9));
        o.addProperty("images_per_s", batch / t.median());
        o.addProperty("gmacs_per_s", batch * (double) macsPerImage / t.median() / 1e9);
        r.add(key, o);
    }
}
