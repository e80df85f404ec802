package org.vbpstudio.cli;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.CriterionSweep;
import org.vbpstudio.eval.Scores;
import org.vbpstudio.eval.SweepPlot;
import org.vbpstudio.eval.preview.PreviewEngine;
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
import org.vbpstudio.model.VisionTransformer;
import org.vbpstudio.prune.Allocation;
import org.vbpstudio.prune.Budget;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.MaskHook;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Top-1 against MACs for a range of ratios under every criterion, in both modes: the table and
 * plot of the sample model's card. Each point is the masked model (equal to the exported one).
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Accuracy of VBP and baseline criteria over a range of pruning ratios, as a Markdown table, JSON and a PNG plot.")
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

    @Option(names = "--targets-only", description = "With --target-macs: skip the sweep over --ratios.")
    boolean targetsOnly;

    @Option(names = "--json", paramLabel = "F", description = "Write every point as JSON.")
    Path json;

    @Option(names = "--plot", paramLabel = "F.png", description = "Write a plot of top-1 against MACs.")
    Path plot;

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
        SensitivityCommand.checkOutputs(json, plot, this::target); // before any long computation
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
        LoadedModel model = options.load();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<Criterion, Saved> saved = savedCurves(model); // before collecting any statistics
        // the taylor series where the calibration images have labels (it needs them)
        ActivationStats stats = statistics.load(model, StatsOptions.Taylor.WHEN_LABELLED, 0, options.batch, err);
        if (!stats.hasTaylor()) {
            err.println("note: no taylor series: " + Criterion.MISSING_GRADIENTS);
        }
        ImageSource slice = ClassMapping.relabel(ModelOptions.images(validation, limit), model.labels());
        List<CriterionSweep.Point> perBlock = List.of();
        List<CriterionSweep.Point> global = List.of();
        List<CriterionSweep.Point> standardized = List.of();
        List<CriterionSweep.TargetPoint> targets = List.of();
        Scores original;
        List<Criterion> criteria = CriterionSweep.available(stats).stream().map(CriterionSweep.Series::criterion)
                .filter(c -> c != Criterion.RANDOM).distinct().toList();
        Map<Criterion, Sensitivity.Curves> curves = new EnumMap<>(Criterion.class);
        saved.forEach((c, s) -> {
            if (!criteria.contains(c)) {
                throw new BadInputException(s.file(), "holds " + c + " curves, and this sweep has no " + c
                        + " series (" + Criterion.MISSING_GRADIENTS + ")");
            }
            curves.put(c, s.curves());
        });
        List<Criterion> toMeasure = budgets.isEmpty() ? List.of()
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
        PreviewEngine.Options opts = PreviewEngine.Options.defaults(ComputeThreads.evaluatorWorkers()).withChunkSize(64)
                .withEmbeddingsOnly();
        try (NDManager manager = Engines.newManager(); VisionTransformer vit = model.instantiate(manager);
                PreviewEngine engine = PreviewEngine.open(model, vit, slice, opts,
                        new ConsoleProgress(err, "embed"))) {
            if (engine.size() < slice.size()) {
                err.println("note: " + engine.cache().describe());
            }
            PreviewEstimate o = engine.original();
            original = new Scores(o.accuracy(), o.fidelity());
            CriterionSweep.MaskedAccuracy scored = (kept, compensation) -> {
                try (MaskHook hook = MaskHook.of(manager, model.config(), kept, stats, compensation)) {
                    PreviewEstimate e = engine.evaluate(hook, Progress.NONE);
                    return new Scores(e.accuracy(), e.fidelity());
                }
            };
            if (!targetsOnly) {
                perBlock = CriterionSweep.run(model, stats, scored, PruningPlan.Mode.PER_BLOCK, ratios, p -> {},
                        new ConsoleProgress(err, "per-block sweep", "points"));
                global = CriterionSweep.run(model, stats, scored, PruningPlan.Mode.GLOBAL, ratios, p -> {},
                        new ConsoleProgress(err, "global sweep", "points"));
                standardized = CriterionSweep.run(model, stats, scored, PruningPlan.Mode.GLOBAL,
                        PruningPlan.Normalize.STANDARDIZE, ratios, p -> {},
                        new ConsoleProgress(err, "global standardised sweep", "points"));
            }
            if (!budgets.isEmpty()) {
                targets = CriterionSweep.runTargets(model, stats, scored, budgets, criteria, true, sensitivity,
                        p -> {}, new ConsoleProgress(err, "targets", "points"));
            }
        }
        if (!targetsOnly) {
            out.print(markdown(model, original, perBlock, global, standardized));
        }
        if (!targets.isEmpty()) {
            out.print(targetMarkdown(original, targets));
        }
        if (json != null) {
            JsonObject o = toJson(model, original, perBlock, global, standardized);
            o.add("targets", targetJson(targets));
            if (!sources.isEmpty()) {
                JsonObject allocation = new JsonObject(); // per criterion: where its sensitivity curves came from
                sources.forEach((c, src) -> allocation.add(c.jsonName(), src.toJson()));
                o.add("allocation", allocation);
            }
            AtomicDirectory.writeString(target(json), ModelWriter.GSON.toJson(o));
        }
        if (plot != null) {
            List<SweepPlot.Series> lines = new ArrayList<>();
            addLines(lines, perBlock, " (per block)", false);
            addLines(lines, global, " (global)", true);
            addLines(lines, standardized, " (global, standardised)", true);
            String what = original.labelled() ? "top-1" : "agreement with the original";
            SweepPlot.write(target(plot), model.name() + ": " + what + " on " + original.fidelity().count()
                    + " validation images, no retraining", lines, CostModel.totalMacs(model.config()) / 1e6,
                    original.headline());
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
                    : curves.mismatch(model.fingerprint(), model.config().depth(),
                            PruningPlan.uniform(0, model.config().depth()).withCriterion(c)
                                    .withCompensation(Compensation.MEAN));
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

    private static void addLines(List<SweepPlot.Series> lines, List<CriterionSweep.Point> points, String suffix, boolean dashed) {
        for (CriterionSweep.Series s : present(points)) {
            List<CriterionSweep.Point> ps = points.stream().filter(p -> p.series() == s).toList();
            lines.add(new SweepPlot.Series(s.label() + suffix, ps.stream().mapToDouble(p -> p.macs() / 1e6).toArray(),
                    ps.stream().mapToDouble(CriterionSweep.Point::headline).toArray(), dashed));
        }
    }

    /** The series measured, in their declared order. */
    static List<CriterionSweep.Series> present(List<CriterionSweep.Point> points) {
        return Arrays.stream(CriterionSweep.Series.values())
                .filter(s -> points.stream().anyMatch(p -> p.series() == s)).toList();
    }

    static String markdown(LoadedModel model, Scores original, List<CriterionSweep.Point> perBlock,
            List<CriterionSweep.Point> global, List<CriterionSweep.Point> standardized) {
        StringBuilder s = new StringBuilder();
        String unit = original.labelled() ? "top-1 %" : "agreement with the original's top-1, %";
        s.append(original.labelled()
                ? String.format(Locale.ROOT, "Unpruned: top-1 %.2f%% on %d images", 100 * original.accuracy().top1(),
                        original.accuracy().count())
                : String.format(Locale.ROOT, "Unlabelled: %d images, scored by agreement with the unpruned model",
                        original.fidelity().count()));
        s.append(String.format(Locale.ROOT, ", %.2f M MACs, %s parameters%n%n",
                CostModel.totalMacs(model.config()) / 1e6,
                String.format(Locale.ROOT, "%,d", CostModel.totalParams(model.config()))));
        for (var entry : List.of(Map.entry("Same ratio in every block", perBlock),
                Map.entry("Global threshold", global),
                Map.entry("Global threshold on standardised scores", standardized))) {
            s.append("**").append(entry.getKey()).append("** (").append(unit).append(", MACs in millions)\n\n| removed | MMACs |");
            List<CriterionSweep.Series> present = present(entry.getValue());
            for (CriterionSweep.Series series : present) {
                s.append(' ').append(series.label()).append(" |");
            }
            s.append("\n|---|---|");
            s.append("---|".repeat(present.size())).append('\n');
            List<Double> rs = entry.getValue().stream().map(CriterionSweep.Point::ratio).distinct().toList();
            for (double r : rs) {
                List<CriterionSweep.Point> row = entry.getValue().stream().filter(p -> p.ratio() == r).toList();
                s.append(String.format(Locale.ROOT, "| %.0f%% | %.2f |", 100 * r, row.get(0).macs() / 1e6));
                for (CriterionSweep.Series series : present) {
                    row.stream().filter(p -> p.series() == series).findFirst()
                            .ifPresent(p -> s.append(String.format(Locale.ROOT, " %.2f |", 100 * p.headline())));
                }
                s.append('\n');
            }
            s.append('\n');
        }
        return s.toString();
    }

    /** Per target: one row per criterion, one column per spread. */
    static String targetMarkdown(Scores original, List<CriterionSweep.TargetPoint> points) {
        StringBuilder s = new StringBuilder();
        String unit = original.labelled() ? "top-1 %" : "agreement %";
        for (Budget b : points.stream().map(CriterionSweep.TargetPoint::budget).distinct().toList()) {
            s.append(String.format(Locale.ROOT, "**MACs ≤ %.2f of the original** (%s, with compensation)%n%n| criterion |",
                    b.fraction(), unit));
            for (CriterionSweep.Spread sp : CriterionSweep.Spread.values()) {
                s.append(' ').append(sp.label()).append(" |");
            }
            s.append("\n|---|").append("---|".repeat(CriterionSweep.Spread.values().length)).append('\n');
            for (Criterion c : points.stream().map(CriterionSweep.TargetPoint::criterion).distinct().toList()) {
                s.append("| ").append(c.jsonName()).append(" |");
                for (CriterionSweep.Spread sp : CriterionSweep.Spread.values()) {
                    s.append(points.stream().filter(p -> p.budget().equals(b) && p.criterion() == c && p.spread() == sp)
                            .findFirst().map(p -> String.format(Locale.ROOT, " %.2f |", 100 * p.headline())).orElse(" – |"));
                }
                s.append('\n');
            }
            s.append('\n');
        }
        return s.toString();
    }

    static JsonArray targetJson(List<CriterionSweep.TargetPoint> points) {
        JsonArray a = new JsonArray();
        for (CriterionSweep.TargetPoint p : points) {
            JsonObject j = new JsonObject();
            j.addProperty("target", p.budget().fraction());
            j.addProperty("kind", p.budget().kind().jsonName());
            j.addProperty("spread", p.spread().label());
            j.addProperty("criterion", p.criterion().jsonName());
            j.addProperty("compensation", p.compensation());
            j.addProperty("macs", p.macs());
            j.addProperty("params", p.params());
            p.scores().addTo(j);
            j.add("plan", p.plan().toJson());
            a.add(j);
        }
        return a;
    }

    private static JsonObject toJson(LoadedModel model, Scores original, List<CriterionSweep.Point> perBlock,
            List<CriterionSweep.Point> global, List<CriterionSweep.Point> standardized) {
        JsonObject o = new JsonObject();
        o.addProperty("model", model.directory().toString());
        o.addProperty("images", original.fidelity().count());
        if (original.labelled()) {
            o.addProperty("original_top1", original.accuracy().top1());
        }
        o.addProperty("original_macs", CostModel.totalMacs(model.config()));
        JsonArray points = new JsonArray();
        for (var list : List.of(perBlock, global, standardized)) {
            for (CriterionSweep.Point p : list) {
                JsonObject j = new JsonObject();
                j.addProperty("mode", list == perBlock ? "per-block" : list == global ? "global" : "global-standardized");
                j.addProperty("series", p.series().name().toLowerCase(Locale.ROOT));
                j.addProperty("criterion", p.series().criterion().jsonName());
                j.addProperty("compensation", p.series().compensation());
                j.addProperty("ratio", p.ratio());
                j.addProperty("macs", p.macs());
                j.addProperty("params", p.params());
                p.scores().addTo(j);
                points.add(j);
            }
        }
        o.add("points", points);
        return o;
    }
}
