package org.vbpstudio.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.PeakMemory;
import org.vbpstudio.eval.PlainVitBaseline;
import org.vbpstudio.eval.SyntheticImages;
import org.vbpstudio.eval.Timing;
import org.vbpstudio.eval.preview.MemoryBudget;
import org.vbpstudio.eval.preview.PreviewEngine;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.ComputeThreads;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.VisionTransformer;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.onnx.OnnxModel;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsCollector;
import org.vbpstudio.stats.StatsHook;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Measures what users pick this tool for: forward throughput (against a plain DJL yardstick),
 * the cost of collecting statistics, the pruned model's real speed-up beside its MAC ratio, and
 * peak memory. Figures go to docs/BENCHMARKS.md; nothing here is asserted by unit tests.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Forward latency/throughput of a model (and a pruned one), statistics-collection "
                + "throughput, the measured speed-up beside the MAC ratio, and peak memory.",
        subcommands = {BenchFixtures.ModelFixture.class, BenchFixtures.ImagesFixture.class})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "M", description = "Model directory (else --shape).")
    Path model;

    @Option(names = "--shape", paramLabel = "S", defaultValue = "deit-tiny",
            description = "Random-weight model when no --model: deit-tiny, deit-small or deit-base (default: ${DEFAULT-VALUE}).")
    String shape;

    @Option(names = "--pruned", paramLabel = "P", description = "A pruned model directory to compare with.")
    Path pruned;

    @Option(names = "--ratio", paramLabel = "R", defaultValue = "0",
            description = "Compare with the model pruned by R in every block (magnitude criterion: timing does not depend on which neurons go).")
    double ratio;

    @Option(names = "--round-to", paramLabel = "K", defaultValue = "0", description = "With --ratio: keep widths multiples of K.")
    int roundTo;

    @Option(names = "--images", paramLabel = "I", description = "Images for the calibration pipeline (decode + preprocess + statistics).")
    Path images;

    @Option(names = "--synthetic-images", paramLabel = "N", defaultValue = "0",
            description = "Write N random PNGs (320x240) to a temporary folder and use them as --images.")
    int synthetic;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--iterations", paramLabel = "K", defaultValue = "10", description = "Timed batches (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--warmup", paramLabel = "W", defaultValue = "3", description = "Untimed batches first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--preview", paramLabel = "V",
            description = "Instead of the forward timings: time the app's accuracy preview (first estimate and whole-slice "
                    + "refresh after one block's ratio changes, beside a plain forward pass) on --preview-slice images "
                    + "spread evenly over V, with the app's threading (needs --calibration).")
    Path preview;

    @Option(names = "--preview-slice", paramLabel = "N", defaultValue = "1000", description = "Images in the preview slice (default: ${DEFAULT-VALUE}).")
    int previewSlice;

    @Option(names = "--preview-blocks", paramLabel = "LIST", split = ",",
            description = "Blocks whose change is timed, e.g. 0,6,11 (default: all).")
    List<Integer> previewBlocks;

    @Option(names = "--memory-budget", paramLabel = "SIZE",
            description = "What the preview's cache may take, e.g. 3G or 512M (default: a quarter of physical memory).")
    String memoryBudget;

    @Option(names = "--calibration", paramLabel = "C", description = "Calibration images for --preview.")
    Path calibration;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "Only N calibration images, spread evenly over them (default: all).")
    int limit;

    @Option(names = "--baseline", description = "Also time the plain-DJL yardstick forward pass.")
    boolean baseline;

    @Option(names = "--json", description = "One JSON object on stdout.")
    boolean json;

    @Option(names = "--onnx", description = "Also time the model (and the pruned one) exported to ONNX, in ONNX Runtime.")
    boolean onnx;

    @Option(names = "--trust-onnx", description = "With .onnx files for --model/--pruned: run any standard ONNX operator, "
            + "control flow included (see predict --help).")
    boolean trustOnnx;

    private LoadedModel prunedForOnnx;

    @Override
    public Integer call() throws Exception {
        if (batch < 1 || iterations < 1 || warmup < 0) {
            throw new BadInputException("--batch and --iterations must be at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (preview != null) {
            return benchPreview(out);
        }
        if (OnnxModel.isOnnxFile(model)) {
            JsonObject o = new OnnxBench(batch, warmup, iterations).files(model, pruned, trustOnnx);
            out.println(json ? o.toString() : human(o));
            return 0;
        }
        JsonObject r = new JsonObject();
        LoadedModel original = model != null ? ModelLoader.load(model) : BenchFixtures.randomModel(shape);
        r.addProperty("model", model != null ? model.toString() : shape + " (random weights)");
        r.addProperty("batch", batch);
        r.addProperty("iterations", iterations);
        r.addProperty("threads", ComputeThreads.opThreads()); // PyTorch's per-op threads, all cores unless set
        VitConfig cfg = original.config();
        long macs = CostModel.totalMacs(cfg);
        r.addProperty("macs", macs);
        r.addProperty("params", CostModel.totalParams(cfg));
        try (NDManager manager = Engines.newManager()) {
            Timing fwd = timeForward(original, manager, MlpHook.NONE);
            put(r, "forward", fwd, macs);
            if (baseline) {
                put(r, "plain_djl", timeBaseline(original, manager), macs);
                r.addProperty("runtime_vs_plain", r.getAsJsonObject("plain_djl").get("median_s").getAsDouble() / fwd.median());
            }
            ActivationStats stats = new ActivationStats(cfg.mlpHiddenDims());
            Timing withStats = timeForward(original, manager, new StatsHook(stats));
            put(r, "forward_with_stats", withStats, macs);
            r.addProperty("stats_overhead", withStats.median() / fwd.median() - 1);
            if (pruned != null || ratio > 0) {
                LoadedModel p = pruned != null ? ModelLoader.load(pruned) : Pruner.prune(original, null,
                        PruningPlan.uniform(ratio, cfg.depth()).withCriterion(Criterion.MAGNITUDE)
                                .withCompensation(Compensation.NONE).withRoundTo(roundTo)).model();
                prunedForOnnx = p;
                r.add("pruned_widths", new com.google.gson.Gson().toJsonTree(p.config().mlpHiddenDims()));
                Timing pf = timeForward(p, manager, MlpHook.NONE);
                put(r, "pruned_forward", pf, CostModel.totalMacs(p.config()));
                double macRatio = (double) macs / CostModel.totalMacs(p.config());
                r.addProperty("pruned_macs", CostModel.totalMacs(p.config()));
                r.addProperty("mac_ratio", macRatio);
                r.addProperty("speedup", fwd.median() / pf.median());
                r.addProperty("speedup_over_mac_ratio", fwd.median() / pf.median() / macRatio);
            }
            if (onnx) {
                new OnnxBench(batch, warmup, iterations).addExported(r, original, prunedForOnnx);
            }
            Path source = images;
            if (synthetic > 0) {
                source = SyntheticImages.write(synthetic, 320, 240, 42);
            }
            if (source != null) {
                ImageSource src = ModelOptions.images(source, 0);
                try (VisionTransformer vit = original.instantiate(manager)) {
                    long t0 = System.nanoTime();
                    StatsCollector.collect(vit, src, original.preprocessing(), batch, Progress.NONE);
                    double s = (System.nanoTime() - t0) / 1e9;
                    r.addProperty("calibration_images", src.size());
                    r.addProperty("calibration_images_per_s", src.size() / s);
                }
            }
        }
        r.addProperty("peak_rss_mb", PeakMemory.peakResidentBytes() / 1e6);
        out.println(json ? r.toString() : human(r));
        return 0;
    }

    /** The preview alone, in the app's threading (set before the engine starts). */
    private int benchPreview(PrintWriter out) {
        if (calibration == null) {
            throw new BadInputException("--preview needs --calibration");
        }
        ComputeThreads.configure();
        long budget = MemoryBudget.defaultBytes();
        if (memoryBudget != null) {
            try {
                budget = MemoryBudget.parse(memoryBudget);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--memory-budget: " + e.getMessage());
            }
        }
        LoadedModel original = model != null ? ModelLoader.load(model) : BenchFixtures.randomModel(shape);
        int depth = original.config().depth();
        List<Integer> blocks = previewBlocks != null ? previewBlocks
                : IntStream.range(0, depth).boxed().toList();
        for (int b : blocks) {
            if (b < 0 || b >= depth) {
                throw new BadInputException("--preview-blocks: block " + b + " of a " + depth + "-block model");
            }
        }
        if (previewSlice < 1) {
            throw new BadInputException("--preview-slice must be at least 1, got " + previewSlice);
        }
        JsonObject r = new JsonObject();
        r.addProperty("model", model != null ? model.toString() : shape + " (random weights)");
        r.addProperty("threads_per_op", ComputeThreads.opThreads());
        PreviewEngine.Options options = PreviewEngine.Options.defaults(ComputeThreads.evaluatorWorkers()).withBudget(budget);
        ImageSource slice = ClassMapping.relabel(ModelOptions.images(preview, previewSlice),
                original.labels());
        r.add("preview", PreviewBenchmark.run(original, ModelOptions.images(calibration, limit), slice, blocks, options));
        r.addProperty("peak_rss_mb", Math.round(PeakMemory.peakResidentBytes() / 1e6));
        out.println(json ? r.toString() : human(r));
        return 0;
    }

    private Timing timeForward(LoadedModel m, NDManager manager, MlpHook hook) {
        VitConfig c = m.config();
        try (VisionTransformer vit = m.instantiate(manager); NDManager sub = manager.newSubManager()) {
            NDArray x = sub.randomNormal(new Shape(batch, c.inChans(), c.imgSize(), c.imgSize()));
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
        VitConfig c = m.config();
        try (PlainVitBaseline plain = new PlainVitBaseline(c, m.weights(), manager); NDManager sub = manager.newSubManager()) {
            NDArray x = sub.randomNormal(new Shape(batch, c.inChans(), c.imgSize(), c.imgSize()));
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

    private static String human(JsonObject r) {
        StringBuilder s = new StringBuilder();
        for (String k : r.keySet()) {
            s.append(String.format(Locale.ROOT, "%-24s %s%n", k, r.get(k)));
        }
        return s.toString().stripTrailing();
    }
}
