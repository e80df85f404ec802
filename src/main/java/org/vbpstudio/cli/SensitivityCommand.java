package org.vbpstudio.cli;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.eval.figure.Curve;
import org.vbpstudio.eval.figure.LineFigure;
import org.vbpstudio.eval.CriterionSweep;
import org.vbpstudio.eval.preview.HeadSensitivity;
import org.vbpstudio.eval.preview.PreviewEngine;
import org.vbpstudio.eval.preview.PreviewOptions;
import org.vbpstudio.eval.preview.Sensitivity;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.ComputeThreads;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.Network;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sensitivity --model M (--calibration C | --stats S) --images I [--ratios …] [--criterion …]
 * [--compensation none|mean] [--round-to K] [--heads] --json F [--plot F.png]}: top-1 (agreement with the original when
 * unlabelled) with only block b pruned at each ratio, for every block (with {@code --heads}, also with
 * only k of its heads removed, {@link HeadSensitivity}). The JSON carries the model's
 * fingerprint and the settings, so {@code prune --allocate sensitivity --sensitivity F} can reuse it.
 */
@Command(name = "sensitivity", mixinStandardHelpOptions = true,
        description = "Per-block sensitivity: accuracy with only one block pruned, at each ratio, for every block.")
final class SensitivityCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions options;

    @Mixin
    StatsOptions statistics;

    @Option(names = "--images", required = true, paramLabel = "I",
            description = "Images to score on (for an allocation: the calibration images, never the validation set).")
    Path images;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Only N of --images, spread evenly over them.")
    int limit;

    @Option(names = "--ratios", split = ",", paramLabel = "R", defaultValue = "0.25,0.5,0.75,0.9",
            description = "Ratios to measure in each block (default: ${DEFAULT-VALUE}).")
    double[] ratios;

    @Option(names = "--criterion", paramLabel = "C", defaultValue = "variance",
            description = "Importance criterion (default: ${DEFAULT-VALUE}).")
    String criterion;

    @Mixin
    CompensationOptions compensation;

    @Option(names = "--round-to", paramLabel = "K", defaultValue = "0",
            description = "Keep the pruned block's width a multiple of K, as prune --round-to K will (default: none).")
    int roundTo;

    @Option(names = "--heads", description = "Also the head curve of every block: the score with only its k"
            + " lowest-scoring attention heads removed, k = 1 … heads − 1 (ViT, DeiT, DeiT III), saved as \"heads\".")
    boolean heads;

    @Option(names = "--json", required = true, paramLabel = "F", description = "Write the curves as JSON.")
    Path json;

    @Mixin
    FigureOptions figure = new FigureOptions(); // --plot: one line per block

    @Option(names = "--force", description = "Replace the --json and --plot files if they exist (never an input).")
    boolean force;

    @Override
    public Integer call() throws IOException {
        statistics.requireOne();
        double[] rs = checkedRatios(ratios, "--ratios");
        checkOutputs(json, figure, this::target); // before any long computation
        PruningPlan base;
        try {
            base = compensation.applyTo(PruningPlan.uniform(0, 1).withCriterion(Criterion.parse(criterion))
                    .withRoundTo(roundTo));
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        }
        ModelOptions.checkLimit(limit); // before collecting statistics
        if (heads && !CriterionSweep.scoresHeads(base.criterion())) {
            throw new BadInputException("--heads: heads have no " + base.criterion().jsonName() + " score (variance, wifv,"
                    + " magnitude, random or taylor)");
        }
        LoadedModel model = options.load();
        if (heads) {
            SweepHeadOptions.checkModel(model, options.model);
        }
        PrintWriter err = spec.commandLine().getErr();
        ActivationStats stats = statistics.load(model, StatsOptions.Taylor.neededBy(base.criterion()),
                base.compensation() == Compensation.REFIT, 0, options.batch,
                err);
        if (heads) {
            SweepHeadOptions.checkStatistics(stats, statistics.file());
        }
        ImageSource source = ClassMapping.relabel(ModelOptions.images(images, limit), model.labels());
        List<List<HeadSensitivity.Point>> headCurves = new ArrayList<>();
        Sensitivity.Result result = measure(model, stats, base, rs, source, err, heads ? headCurves::addAll : null);
        PrintWriter out = spec.commandLine().getOut();
        out.print(markdown(result, model.config()));
        JsonObject o = result.toJson(model.directory().toString(), model.fingerprint());
        if (heads) {
            out.print(HeadCurves.markdown(result, headCurves, model.config()));
            o.add("heads", HeadSensitivity.toJson(headCurves));
        }
        AtomicDirectory.writeString(target(json), ModelWriter.GSON.toJson(o));
        if (figure.plot() != null) {
            List<Curve> lines = new ArrayList<>();
            double full = CostModel.totalMacs(model.config()) / 1e6;
            for (List<Sensitivity.Point> curve : result.points()) {
                double[] x = new double[curve.size() + 1];
                double[] y = new double[curve.size() + 1];
                x[0] = full;
                y[0] = result.original().headline();
                for (int i = 0; i < curve.size(); i++) {
                    x[i + 1] = curve.get(i).macs() / 1e6;
                    y[i + 1] = curve.get(i).headline();
                }
                lines.add(Curve.plain(model.config().blockLabel(curve.get(0).block()), x, y));
            }
            figure.write(new LineFigure(model.name() + ": only one block pruned (" + base.criterion() + "), "
                    + result.images() + " images", result.original().labelled(), lines, full,
                    result.original().headline(), true), this::target);
        }
        return VbpCommand.OK;
    }

    /** The --json and --plot files (either may be absent) are two files, and each may be written. */
    static void checkOutputs(Path json, FigureOptions figure, Function<Path, OutputTarget> target) {
        figure.check(json, target);
        if (json != null) {
            target.apply(json).checkFile();
        }
    }

    static double[] checkedRatios(double[] ratios, String option) {
        double[] rs = ratios.clone();
        Arrays.sort(rs);
        for (int i = 0; i < rs.length; i++) {
            if (!(rs[i] > 0 && rs[i] < 1) || i > 0 && rs[i] == rs[i - 1]) {
                throw new BadInputException(option + " must be distinct ratios in (0, 1), got "
                        + Arrays.toString(ratios));
            }
        }
        return rs;
    }

    /** Every block's curve on {@code source}, on a preview engine with a full cache (see {@link Sensitivity}). */
    static Sensitivity.Result measure(LoadedModel model, ActivationStats stats, PruningPlan base, double[] ratios,
            ImageSource source, PrintWriter err) {
        return measure(model, stats, base, ratios, source, err, null);
    }

    /** As above; with {@code headCurves} (null: none) every block's head curve too, on the same engine. */
    static Sensitivity.Result measure(LoadedModel model, ActivationStats stats, PruningPlan base, double[] ratios,
            ImageSource source, PrintWriter err, Consumer<List<List<HeadSensitivity.Point>>> headCurves) {
        PreviewOptions opts = PreviewOptions.defaults(ComputeThreads.evaluatorWorkers()).withChunkSize(64);
        try (NDManager manager = Engines.newManager(); Network vit = model.instantiate(manager);
                PreviewEngine engine = PreviewEngine.open(model, vit, source, opts,
                        new ConsoleProgress(err, "embed"))) {
            if (engine.size() < source.size()) {
                err.println("note: " + engine.cache().describe());
            }
            int[] blockRuns = {0};
            Sensitivity.Result r = Sensitivity.measure(model, stats, base, ratios, engine,
                    p -> blockRuns[0] += engine.blocksRun(), new ConsoleProgress(err, "sensitivity", "points"));
            int depth = model.config().depth();
            int chunks = engine.chunkCount();
            err.printf(Locale.ROOT, "note: %d block runs over %d chunks (%d if every point ran from the embeddings)%n",
                    blockRuns[0], chunks, (long) depth * depth * ratios.length * chunks);
            if (headCurves != null) {
                headCurves.accept(HeadSensitivity.measure(model, stats, base, engine, p -> {},
                        new ConsoleProgress(err, "head sensitivity", "points")));
            }
            return r;
        }
    }

    /** The table of {@code r}; blocks by index, or by stage and index within it for a multi-stage model. */
    static String markdown(Sensitivity.Result r, ModelConfig cfg) {
        StringBuilder s = new StringBuilder();
        String unit = r.labelled() ? "top-1 %" : "agreement with the original, %";
        s.append(String.format(Locale.ROOT, "Only one block pruned (%s%s), %s on %d images; unpruned %.2f%n%n",
                r.base().criterion(), r.base().compensation() == Compensation.NONE ? "" : " + " + r.base().compensation() + " compensation", unit, r.images(),
                100 * r.original().headline()));
        s.append("| block |");
        for (double x : r.ratios()) {
            s.append(String.format(Locale.ROOT, " %.0f%% |", 100 * x));
        }
        s.append("\n|---|").append("---|".repeat(r.ratios().length)).append('\n');
        for (List<Sensitivity.Point> curve : r.points()) {
            int b = curve.get(0).block();
            s.append("| ").append(cfg.stages().size() == 1 ? Integer.toString(b) : cfg.blockLabel(b)).append(" |");
            curve.forEach(p -> s.append(String.format(Locale.ROOT, " %.2f |", 100 * p.headline())));
            s.append('\n');
        }
        return s.append('\n').toString();
    }

    private OutputTarget target(Path file) {
        return OutputTarget.of(file, force, options.model, statistics.calibration(), statistics.file(), images);
    }
}
