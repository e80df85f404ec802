package org.vbpstudio.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageStream;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.Shard;
import org.vbpstudio.eval.BatchLimit;
import org.vbpstudio.eval.figure.HistogramGrid;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.Calibration;
import org.vbpstudio.stats.StatsFile;
import org.vbpstudio.stats.StatsMerge;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stats --model M --calibration I [--limit N] [--shard I/N] [--batch B] --output S.safetensors}:
 * the MLP activation statistics of a model over calibration images (with {@code --refit}, also the
 * second moments the refit needs; with {@code --shard}, over one of N interleaved shards of them, the
 * limit applied first, so that the N shards merged give what the same command without it gives); and
 * {@code stats --merge S1 S2 … --output S}: shards merged exactly (Chan), one in memory at a time,
 * refusing shards of other models or widths and a shard given twice ({@link StatsMerge}). The output file is replaced atomically.
 */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Collect per-neuron MLP activation statistics (mean, variance) over calibration images,"
                + " or merge statistics files computed on parts of the images (--merge).")
final class StatsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "M",
            description = "Model directory (model.safetensors + config.json, timm or Hugging Face layout).")
    Path model;

    @Option(names = "--calibration", paramLabel = "I", description = "Calibration images: ImageFolder, flat folder or IDX pair.")
    Path calibration;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Only N images, spread evenly over the source (0: all).")
    int limit;

    @Option(names = "--shard", paramLabel = "I/N", description = "Only shard I of N (0 <= I < N): images I, I+N,"
            + " I+2N, … of the --limit selection, as a batch job array runs them; --merge the N files afterwards.")
    String shard;

    @Option(names = "--batch", defaultValue = "" + ImageStream.DEFAULT_BATCH, paramLabel = "B",
            description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--merge", arity = "1..*", paramLabel = "S",
            description = "Statistics files of the same model to merge (instead of --model/--calibration).")
    List<Path> merge;

    @Option(names = "--output", required = true, paramLabel = "S.safetensors", description = "Statistics file to write.")
    Path output;

    @Option(names = "--force", description = "Replace the --output file if it exists (never an input).")
    boolean force;

    @Option(names = "--gradients", description = "Also collect the taylor criterion's sums x·dL/dx (one backward"
            + " pass per batch; the images must be labelled).")
    boolean gradients;

    @Option(names = "--refit", description = "Also collect, per block, the second moments sum(z z^T), z = [hidden; 1],"
            + " in float64, that compensation 'refit' solves with ((H+1)^2 doubles per block: 0.9 GB at DeiT-Base).")
    boolean refit;

    @Mixin
    FigureOptions figure = new FigureOptions(); // --plot: every block's variance histogram

    @Override
    public Integer call() throws IOException {
        if (Files.isDirectory(output)) {
            throw new BadInputException(output, "is a directory; --output names the statistics file to write");
        }
        target().checkFile(); // before any long computation
        figure.check(output, this::plotTarget);
        return merge != null ? merge() : collect();
    }

    /** The output file and every input it must never replace. */
    private OutputTarget target() {
        return target(output);
    }

    private OutputTarget plotTarget(Path plot) {
        return target(plot);
    }

    private OutputTarget target(Path file) {
        List<Path> inputs = new ArrayList<>();
        inputs.add(model);
        inputs.add(calibration);
        if (merge != null) {
            inputs.addAll(merge);
        }
        return OutputTarget.of(file, force, inputs);
    }

    private int collect() throws IOException {
        if (model == null || calibration == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "stats needs --model and --calibration (or --merge S1 S2 …)");
        }
        if (batch < 1) {
            throw new BadInputException("--batch must be at least 1, got " + batch);
        }
        Shard part = shard == null ? null : Shard.parse(shard);
        ModelOptions.checkLimit(limit);
        LoadedModel m = ModelLoader.load(model);
        BatchLimit.check("--batch", batch, m.config());
        ImageSource source = ModelOptions.images(calibration, limit);
        if (part != null) {
            source = part.of(source);
        }
        if (gradients) {
            source = ClassMapping.relabel(source, m.labels());
        }
        PrintWriter err = spec.commandLine().getErr();
        // the file names the model by a hash of its weights (cached by the model): taken while the
        // pass runs, in the time its cores wait between ops, rather than after it
        CompletableFuture.runAsync(m::fingerprint);
        ActivationStats stats = Calibration.calibrate(m, source, batch, new ConsoleProgress(err, "stats"), gradients,
                refit);
        StatsFile.write(target(), stats, m.fingerprint(),
                part == null ? Map.of() : Map.of(StatsFile.SHARD_KEY, part.toString()));
        report(stats, m.fingerprint());
        plot(stats, m.name(), m.config()::blockLabel);
        return VbpCommand.OK;
    }

    private int merge() throws IOException {
        if (model != null || calibration != null || limit != 0 || refit || shard != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--merge takes statistics files only"
                    + " (no --model, --calibration, --limit, --shard or --refit: the shards' own sums are merged)");
        }
        StatsMerge.Merged m = StatsMerge.merge(merge);
        ActivationStats merged = m.tagged().stats();
        if (m.droppedSecondMoments()) {
            spec.commandLine().getErr().println("note: not every shard holds second moments (stats --refit), so the"
                    + " merged file holds none");
        }
        StatsFile.write(target(), merged, m.tagged().modelFingerprint(),
                Map.of(StatsMerge.SHARDS_KEY, String.join(",", m.shards())));
        report(merged, m.tagged().modelFingerprint());
        plot(merged, output.getFileName().toString(), b -> "block " + b);
        return VbpCommand.OK;
    }

    /** --plot: the histogram grid of {@code stats}, blocks named by {@code label}. */
    private void plot(ActivationStats stats, String name, IntFunction<String> label) throws IOException {
        double[][] variances = new double[stats.depth()][];
        List<String> labels = new ArrayList<>();
        for (int b = 0; b < stats.depth(); b++) {
            variances[b] = stats.variance(b);
            labels.add(label.apply(b));
        }
        figure.write(HistogramGrid.of(String.format(Locale.ROOT, "%s: MLP neurons by activation variance, %,d images",
                name, stats.images()), labels, variances, null), this::plotTarget);
    }

    private void report(ActivationStats stats, String fingerprint) {
        spec.commandLine().getOut().printf("wrote %s: %d blocks, %d images, %s per block%s (model %s)%n",
                output, stats.depth(), stats.images(), positions(stats),
                stats.hasSecondMoments() ? ", second moments for refit" : "", fingerprint);
    }

    /** "25000 tokens", or "784000 to 196000 positions" where stages see feature maps of different sizes. */
    static String positions(ActivationStats stats) {
        if (stats.depth() == 0) {
            return "0 tokens";
        }
        long first = stats.count(0);
        long last = stats.count(stats.depth() - 1);
        boolean same = IntStream.range(0, stats.depth()).allMatch(b -> stats.count(b) == first);
        return same ? first + " tokens" : first + " to " + last + " positions";
    }
}
