package org.vbpstudio.cli;

import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.eval.BatchLimit;
import org.vbpstudio.eval.ForwardBenchmark;
import org.vbpstudio.eval.PeakMemory;
import org.vbpstudio.eval.PeerBenchmark;
import org.vbpstudio.eval.preview.MemoryBudget;
import org.vbpstudio.eval.preview.PreviewEngine;
import org.vbpstudio.eval.preview.PreviewOptions;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.ComputeThreads;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.onnx.OnnxModel;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Measures what users pick this tool for: forward throughput (against a plain DJL yardstick and,
 * with {@code --peer torch}, PyTorch eager),
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
            description = "Random-weight model when no --model: " + BenchFixtures.SHAPES + " (default: ${DEFAULT-VALUE}).")
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
            description = "Write N random PNGs (320x240) to a temporary folder and use them as --images (at most 10,000;"
                    + " the folder is removed afterwards).")
    int synthetic;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32",
            description = "Batch size (default: ${DEFAULT-VALUE}; at most what fits in a quarter of physical memory).")
    int batch;

    @Option(names = "--iterations", paramLabel = "K", defaultValue = "10", description = "Timed batches (default: ${DEFAULT-VALUE}; at most 10,000).")
    int iterations;

    @Option(names = "--warmup", paramLabel = "W", defaultValue = "3", description = "Untimed batches first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "5",
            description = "Repeat the forward timings N times, the passes compared interleaved; each figure is the median "
                    + "over the repetitions, its spread beside it (default: ${DEFAULT-VALUE}; at most 100).")
    int repeat;

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

    @Option(names = "--peer", paramLabel = "P",
            description = "Also time the same forward pass in PyTorch eager (P: torch), on the same batch with the same "
                    + "intra-op threads, one run after the other: torch_eager, torch_eager_ms, java_vs_torch (Java's images/s "
                    + "over torch's) and the largest logit difference. Needs --python with torch and torchvision.")
    String peer;

    @Option(names = "--python", paramLabel = "EXE", defaultValue = "/usr/bin/python3",
            description = "The interpreter for --peer torch (default: ${DEFAULT-VALUE}, Debian's python3-torch).")
    Path python;

    @Option(names = "--json", description = "One JSON object on stdout.")
    boolean json;

    @Option(names = "--onnx", description = "Also time the model (and the pruned one) exported to ONNX, in ONNX Runtime.")
    boolean onnx;

    @Option(names = "--trust-onnx", description = "With .onnx files for --model/--pruned: run any standard ONNX operator, "
            + "control flow included (see predict --help).")
    boolean trustOnnx;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (peer != null && !peer.equals("torch")) {
            throw new BadInputException("--peer must be torch, not " + peer);
        }
        if (peer != null && (preview != null || OnnxModel.isOnnxFile(model))) {
            throw new BadInputException("--peer times a model directory's forward pass: not with --preview or an .onnx --model");
        }
        if (preview != null) {
            return benchPreview(out);
        }
        ForwardBenchmark bench = new ForwardBenchmark(batch, warmup, iterations, repeat);
        if (OnnxModel.isOnnxFile(model)) {
            if (batch < 1 || batch > BatchLimit.MAX_BATCH || iterations < 1 || iterations > ForwardBenchmark.MAX_ITERATIONS
                    || warmup < 0) {
                throw new BadInputException("--batch must be from 1 to " + BatchLimit.MAX_BATCH + ", --iterations from 1 to "
                        + ForwardBenchmark.MAX_ITERATIONS + " and --warmup at least 0");
            }
            JsonObject o = new OnnxBench(batch, warmup, iterations).files(model, pruned, trustOnnx);
            out.println(json ? o.toString() : human(o));
            return 0;
        }
        LoadedModel original = model != null ? ModelLoader.load(model) : BenchFixtures.randomModel(shape);
        bench.check(original.config(), synthetic); // before any long work
        PeerBenchmark torch = peer == null ? null
                : new PeerBenchmark(python, batch, warmup, iterations, ComputeThreads.opThreads());
        if (torch != null) {
            torch.check();
        }
        JsonObject r = new JsonObject();
        r.addProperty("model", model != null ? model.toString() : shape + " (random weights)");
        LoadedModel p = null;
        if (pruned != null || ratio > 0) {
            p = pruned != null ? ModelLoader.load(pruned) : Pruner.prune(original, null,
                    PruningPlan.uniform(ratio, original.config().depth()).withCriterion(Criterion.MAGNITUDE)
                            .withCompensation(Compensation.NONE).withRoundTo(roundTo)).model();
        }
        bench.forward(r, original, p, baseline);
        if (torch != null) {
            torch.add(r, original, p, bench.input(original.config()));
        }
        if (onnx) {
            new OnnxBench(batch, warmup, iterations).addExported(r, original, p);
        }
        bench.calibration(r, original, images, synthetic);
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
                budget = MemoryBudget.parseOption(memoryBudget);
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
        PreviewOptions options = PreviewOptions.defaults(ComputeThreads.evaluatorWorkers()).withBudget(budget);
        ImageSource slice = ClassMapping.relabel(ModelOptions.images(preview, previewSlice),
                original.labels());
        r.add("preview", PreviewBenchmark.run(original, ModelOptions.images(calibration, limit), slice, blocks, options));
        r.addProperty("peak_rss_mb", Math.round(PeakMemory.peakResidentBytes() / 1e6));
        out.println(json ? r.toString() : human(r));
        return 0;
    }

    private static String human(JsonObject r) {
        StringBuilder s = new StringBuilder();
        for (String k : r.keySet()) {
            s.append(String.format(Locale.ROOT, "%-24s %s%n", k, r.get(k)));
        }
        return s.toString().stripTrailing();
    }
}
