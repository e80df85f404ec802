package org.vbpstudio.cli;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.eval.CriterionSweep;
import org.vbpstudio.eval.Scores;
import org.vbpstudio.eval.figure.LineFigure;
import org.vbpstudio.eval.SweepReport;
import org.vbpstudio.eval.TargetSweep;
import org.vbpstudio.eval.preview.MaskedScores;
import org.vbpstudio.eval.preview.PreviewEngine;
import org.vbpstudio.eval.preview.PreviewOptions;
import org.vbpstudio.eval.preview.PreviewEstimate;
import org.vbpstudio.eval.preview.Sensitivity;
import org.vbpstudio.eval.preview.SensitivityFile;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.ComputeThreads;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.Network;
import org.vbpstudio.prune.Allocation;
import org.vbpstudio.prune.Budget;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.HeadCut;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Top-1 against MACs for a range of ratios under every criterion, in both modes: the table and
 * plot of the sample model's card. Each point is the masked model (equal to the exported one). With
 * {@code --head-ratio R} every point also removes heads; with {@code --global --heads} the global
 * series rank heads with the neurons ({@link SweepHeadOptions}).
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Accuracy of VBP and baseline criteria over a range of pruning ratios (with --head-ratio or"
                + " --global --heads, attention heads removed too), as a Markdown table, JSON and a PNG plot.")
final class SweepCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions options;

    @Mixin
    StatsOptions statistics;

    @Option(names = "--validation", required = true, paramLabel = "V", description = "Validation images; unlabelled ones are scored by agreement with the unpruned model.")
    Path validation;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Only N validation images, spread evenly over them.")
    int limit;

    @Option(names = "--ratios", split = ",", paramLabel = "R", defaultValue = "0.1,0.2,0.3,0.4,0.5,0.6,0.7",
            description = "Ratios to sweep (default: ${DEFAULT-VALUE}).")
    double[] ratios;

    @Option(names = "--target-macs", split = ",", paramLabel = "F",
            description = "Also compare, at each of these MAC fractions, every criterion (with compensation) spread"
                    + " uniformly, globally, globally on standardised scores and allocated from per-block sensitivity"
                    + " measured on the --calibration images (or read with --sensitivity).")
    double[] targetMacs;

    @Option(names = "--sensitivity", split = ",", paramLabel = "F.json",
            description = "With --target-macs: allocate from curves that `sensitivity --json F` saved for this model"
                    + " (one file per criterion, with compensation, no --round-to) instead of measuring them;"
                    + " criteria without a file are measured on the --calibration images.")
    List<Path> sensitivityFiles;

    @Option(names = "--sensitivity-ratios", split = ",", paramLabel = "R",
            defaultValue = "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,0.95",
            description = "Ratios measured per block for the allocation (default: ${DEFAULT-VALUE}).")
    double[] sensitivityRatios;

    @Mixin
    SweepHeadOptions headOptions = new SweepHeadOptions(); // --head-ratio R | --global --heads

    @Option(names = "--targets-only", description = "With --target-macs: skip the sweep over --ratios.")
    boolean targetsOnly;

    @Option(names = "--json", paramLabel = "F", description = "Write every point as JSON.")
    Path json;

    @Mixin
    FigureOptions figure = new FigureOptions(); // --plot: top-1 against MACs

    @Option(names = "--force", description = "Replace the --json and --plot files if they exist (never an input).")
    boolean force;

    @Override
    public Integer call() throws IOException {
        statistics.requireOne();
        ModelOptions.checkLimit(limit); // before collecting statistics
        for (double r : ratios) {
            if (!(r >= 0 && r < 1)) {
                throw new BadInputException("--ratios must lie in [0, 1), got " + r);
            }
        }
        SensitivityCommand.checkOutputs(json, figure, this::target); // before any long computation
        List<Budget> budgets = new ArrayList<>();
        for (double f : targetMacs == null ? new double[0] : targetMacs) {
            if (!(f > 0 && f < 1)) {
                throw new BadInputException("--target-macs " + f + " is outside (0, 1)");
            }
            budgets.add(Budget.macs(f));
        }
        if (targetsOnly && budgets.isEmpty()) {
            throw new BadInputException("--targets-only needs --target-macs");
        }
        if (sensitivityFiles != null && budgets.isEmpty()) {
            throw new BadInputException("--sensitivity curves are for --target-macs: give --target-macs F,…");
        }
        double[] sensRatios = SensitivityCommand.checkedRatios(sensitivityRatios, "--sensitivity-ratios");
        HeadCut heads = headOptions.cut();
        if (heads != null && sensitivityFiles != null) {
            throw new BadInputException("--sensitivity curves allocate the neurons only, and a sweep removing heads has"
                    + " no allocated spread");
        }
        LoadedModel model = options.load();
        if (heads != null) {
            SweepHeadOptions.checkModel(model, options.model);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<Criterion, Saved> saved = savedCurves(model); // before collecting any statistics
        // the taylor series where the calibration images have labels (it needs them)
        ActivationStats stats = statistics.load(model, StatsOptions.Taylor.WHEN_LABELLED, 0, options.batch, err);
        if (!stats.hasTaylor()) {
            err.println("note: no taylor series: " + Criterion.MISSING_GRADIENTS);
        }
        if (heads != null) {
            SweepHeadOptions.checkStatistics(stats, statistics.file());
            err.println("note: no wanda series: heads have no wanda score; no allocated targets: they choose neurons only");
        }
        ImageSource slice = ClassMapping.relabel(ModelOptions.images(validation, limit), model.labels());
        List<CriterionSweep.Point> perBlock = List.of();
        List<CriterionSweep.Point> global = List.of();
        List<CriterionSweep.Point> standardized = List.of();
        List<TargetSweep.TargetPoint> targets = List.of();
        Scores original;
        List<Criterion> criteria = CriterionSweep.available(stats).stream().map(CriterionSweep.Series::criterion)
                .filter(c -> c != Criterion.RANDOM).filter(c -> heads == null || CriterionSweep.scoresHeads(c))
                .distinct().toList();
        Map<Criterion, Sensitivity.Curves> curves = new EnumMap<>(Criterion.class);
        saved.forEach((c, s) -> {
            if (!criteria.contains(c)) {
                throw new BadInputException(s.file(), "holds " + c + " curves, and this sweep has no " + c
                        + " series (" + Criterion.MISSING_GRADIENTS + ")");
            }
            curves.put(c, s.curves());
        });
        List<Criterion> toMeasure = budgets.isEmpty() || heads != null ? List.of()
                : criteria.stream().filter(c -> !saved.containsKey(c)).toList();
        if (!toMeasure.isEmpty() && statistics.calibration() != null) {
            // on the calibration images, never the validation images whose accuracy is reported
            ImageSource cal = ClassMapping.relabel(ModelOptions.images(statistics.calibration(), 0), model.labels());
            for (Criterion c : toMeasure) {
                curves.put(c, SensitivityCommand.measure(model, stats, PruningPlan.uniform(0, 1).withCriterion(c),
                        sensRatios, cal, err).curves(model.fingerprint()));
            }
        } else if (!toMeasure.isEmpty()) {
            err.println("note: no allocation for " + toMeasure.stream().map(Criterion::jsonName).toList()
                    + ": sensitivity is measured on --calibration images (--stats has none), or read with --sensitivity");
        }
        Map<Criterion, Allocation.LossCurves> sensitivity = new EnumMap<>(Criterion.class);
        Map<Criterion, Allocation.Source> sources = new EnumMap<>(Criterion.class);
        curves.forEach((c, cv) -> {
            sensitivity.put(c, cv.lossCurves());
            sources.put(c, cv.source(saved.containsKey(c) ? saved.get(c).file() : null));
        });
        PreviewOptions opts = PreviewOptions.defaults(ComputeThreads.evaluatorWorkers()).withChunkSize(64)
                .withEmbeddingsOnly();
        try (NDManager manager = Engines.newManager(); Network vit = model.instantiate(manager);
                PreviewEngine engine = PreviewEngine.open(model, vit, slice, opts, new ConsoleProgress(err, "embed"))) {
            if (engine.size() < slice.size()) {
                err.println("note: " + engine.cache().describe());
            }
            PreviewEstimate o = engine.original();
            original = new Scores(o.accuracy(), o.fidelity());
            CriterionSweep.MaskedAccuracy scored = MaskedScores.on(engine, manager, stats);
            if (!targetsOnly) {
                if (!headOptions.global) {
                    perBlock = CriterionSweep.run(model, stats, scored, PruningPlan.Mode.PER_BLOCK,
                            PruningPlan.Normalize.NONE, heads, ratios, p -> {},
                            new ConsoleProgress(err, "per-block sweep", "points"));
                }
                global = CriterionSweep.run(model, stats, scored, PruningPlan.Mode.GLOBAL, PruningPlan.Normalize.NONE,
                        heads, ratios, p -> {}, new ConsoleProgress(err, "global sweep", "points"));
                standardized = CriterionSweep.run(model, stats, scored, PruningPlan.Mode.GLOBAL,
                        PruningPlan.Normalize.STANDARDIZE, heads, ratios, p -> {},
                        new ConsoleProgress(err, "global standardised sweep", "points"));
            }
            if (!budgets.isEmpty()) {
                targets = TargetSweep.runTargets(model, stats, scored, budgets, criteria, true, heads, sensitivity,
                        p -> {}, new ConsoleProgress(err, "targets", "points"));
            }
        }
        if (!targetsOnly) {
            out.print(SweepReport.markdown(model, original, perBlock, global, standardized, heads));
        }
        if (!targets.isEmpty()) {
            out.print(SweepReport.targetMarkdown(original, targets, heads));
        }
        if (json != null) {
            JsonObject o = SweepReport.toJson(model, original, perBlock, global, standardized, heads);
            o.add("targets", SweepReport.targetJson(targets));
            if (!sources.isEmpty()) {
                JsonObject allocation = new JsonObject(); // per criterion: where its sensitivity curves came from
                sources.forEach((c, src) -> allocation.add(c.jsonName(), src.toJson()));
                o.add("allocation", allocation);
            }
            AtomicDirectory.writeString(target(json), ModelWriter.GSON.toJson(o));
        }
        if (figure.plot() != null) {
            String what = original.labelled() ? "top-1" : "agreement with the original";
            String withHeads = heads instanceof HeadCut.Ratio r ? String.format(Locale.ROOT, ", %.0f%% of the heads removed",
                    100 * r.ratio()) : heads != null ? ", heads ranked with the neurons" : "";
            figure.write(new LineFigure(model.name() + ": " + what + " on " + original.fidelity().count()
                    + " validation images, no retraining" + withHeads, original.labelled(),
                    SweepReport.plotLines(perBlock, global, standardized), CostModel.totalMacs(model.config()) / 1e6,
                    original.headline(), false), this::target);
        }
        return 0;
    }

    /** Curves read from a {@code --sensitivity} file. */
    private record Saved(Path file, Sensitivity.Curves curves) {}

    /**
     * The curves of {@code --sensitivity}, by criterion: each of this model and measured as the sweep
     * allocates (with compensation, no rounding), one file per criterion.
     */
    private Map<Criterion, Saved> savedCurves(LoadedModel model) {
        Map<Criterion, Saved> saved = new EnumMap<>(Criterion.class);
        for (Path f : sensitivityFiles == null ? List.<Path>of() : sensitivityFiles) {
            Sensitivity.Curves curves = SensitivityFile.read(f);
            Criterion c = curves.criterion();
            String mismatch = c == Criterion.RANDOM ? "holds random curves, and the sweep allocates no random series"
                    : curves.mismatch(model.fingerprint(), model.config().depth(), // a plan's default: mean
                            PruningPlan.uniform(0, model.config().depth()).withCriterion(c));
            if (mismatch != null) {
                throw new BadInputException(f, mismatch);
            }
            if (saved.containsKey(c)) {
                throw new BadInputException(f, "holds " + c + " curves, as " + saved.get(c).file()
                        + " does: give one file per criterion");
            }
            saved.put(c, new Saved(f, curves));
        }
        return saved;
    }

    /** An output file, with every input it must never replace. */
    private OutputTarget target(Path file) {
        return OutputTarget.of(file, force, options.model, statistics.calibration(), statistics.file(), validation);
    }
}
