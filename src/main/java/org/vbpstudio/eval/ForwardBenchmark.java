package org.vbpstudio.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
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

/**
 * {@code bench}'s forward timings: the model's forward pass (optionally beside the plain-DJL
 * yardstick), the same with the statistics {@code stats} collects (the MLP's and, for a ViT, the
 * attention outputs'), a pruned model's speed-up beside its MAC ratio,
 * and the calibration pipeline's images per second. Sizes are checked before anything runs.
 *
 * <p>The passes being compared run interleaved (plain, with statistics, pruned, plain, …), so a
 * change in the machine's load hits all of them alike, and the whole measurement is repeated:
 * each figure is the median over the repetitions of each repetition's median, with the spread
 * (least and greatest repetition) beside it.
 *
 * @param batch      images per timed forward pass
 * @param warmup     untimed passes first (of each kind, before the first repetition)
 * @param iterations timed passes of each kind per repetition
 * @param repeat     repetitions of the whole measurement
 */
public record ForwardBenchmark(int batch, int warmup, int iterations, int repeat) {
    /** Timed passes at most: each is a forward pass, so ten thousand already take hours at DeiT-Base scale. */
    public static final int MAX_ITERATIONS = 10_000;
    /** Repetitions at most. */
    public static final int MAX_REPEAT = 100;

    /** One repetition. */
    public ForwardBenchmark(int batch, int warmup, int iterations) {
        this(batch, warmup, iterations, 1);
    }

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
        if (repeat < 1 || repeat > MAX_REPEAT) {
            throw new BadInputException("--repeat must be from 1 to " + MAX_REPEAT + ", got " + repeat);
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
        r.addProperty("repeat", repeat);
        r.addProperty("threads", ComputeThreads.opThreads()); // PyTorch's per-op threads, all cores unless set
        r.addProperty("macs", macs);
        r.addProperty("params", CostModel.totalParams(cfg));
        boolean yardstick = baseline && cfg instanceof VitConfig; // the plain yardstick is written for a ViT
        try (NDManager manager = Engines.newManager();
                Network net = original.instantiate(manager);
                Network prunedNet = pruned != null ? pruned.instantiate(manager) : null;
                PlainVitBaseline plain = yardstick ? new PlainVitBaseline((VitConfig) cfg, original.weights(), manager) : null;
                NDManager inputs = manager.newSubManager()) {
            // what `stats` collects: the MLP's statistics and, for a ViT, the attention outputs'
            ActivationStats collected = StatsCollector.emptyFor(cfg, false);
            MlpHook hook = StatsCollector.hook(collected);
            NDArray x = inputs.create(input(cfg), new Shape(batch, cfg.inChans(), cfg.imgSize(), cfg.imgSize()));
            Map<String, Runnable> passes = new LinkedHashMap<>();
            passes.put("forward", () -> timed(x, in -> net.forward(in, MlpHook.NONE)));
            passes.put("forward_with_stats", () -> timed(x, in -> net.forward(in, hook)));
            if (plain != null) {
                passes.put("plain_djl", () -> timed(x, plain::forward));
            }
            if (prunedNet != null) {
                passes.put("pruned_forward", () -> timed(x, in -> prunedNet.forward(in, MlpHook.NONE)));
            }
            Repeated t = Repeated.measure(warmup, iterations, repeat, passes);
            put(r, "forward", t, "forward", macs);
            if (plain != null) {
                put(r, "plain_djl", t, "plain_djl", macs);
                putRatio(r, "runtime_vs_plain", t.ratios("plain_djl", "forward"));
            }
            put(r, "forward_with_stats", t, "forward_with_stats", macs);
            r.addProperty("stats_collected", collected.hasAttention() ? "mlp+attention" : "mlp");
            putRatio(r, "stats_overhead", Arrays.stream(t.ratios("forward_with_stats", "forward")).map(q -> q - 1).toArray());
            if (prunedNet != null) {
                long prunedMacs = CostModel.totalMacs(pruned.config());
                r.add("pruned_widths", new Gson().toJsonTree(pruned.config().mlpHiddenDims()));
                put(r, "pruned_forward", t, "pruned_forward", prunedMacs);
                double macRatio = (double) macs / prunedMacs;
                double speedup = putRatio(r, "speedup", t.ratios("forward", "pruned_forward"));
                r.addProperty("pruned_macs", prunedMacs);
                r.addProperty("mac_ratio", macRatio);
                r.addProperty("speedup_over_mac_ratio", speedup / macRatio);
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

    /** One timed pass: a copy of {@code x} through {@code forward}, its logits read back, every array closed. */
    private static void timed(NDArray x, UnaryOperator<NDArray> forward) {
        try (NDManager step = x.getManager().newSubManager()) {
            NDArray in = x.duplicate();
            in.attach(step);
            forward.apply(in).toFloatArray();
        }
    }

    private void put(JsonObject r, String key, Repeated t, String pass, long macsPerImage) {
        double median = t.median(pass);
        Timing all = t.pooled(pass);
        JsonObject o = new JsonObject();
        o.addProperty("median_s", median);
        o.addProperty("p10_s", all.quantile(0.1));
        o.addProperty("p90_s", all.quantile(0.9));
        o.add("repeat_median_s", new Gson().toJsonTree(t.medians(pass)));
        o.addProperty("images_per_s", batch / median);
        o.addProperty("gmacs_per_s", batch * (double) macsPerImage / median / 1e9);
        r.add(key, o);
    }

    /** {@code key}: the median over the repetitions; {@code key_spread}: [least, greatest]. Returns the median. */
    private static double putRatio(JsonObject r, String key, double[] perRepeat) {
        Timing t = new Timing(perRepeat);
        r.addProperty(key, t.median());
        JsonArray spread = new JsonArray();
        spread.add(t.min());
        spread.add(t.max());
        r.add(key + "_spread", spread);
        return t.median();
    }
}
