package org.vbpstudio.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.vbpstudio.eval.preview.Sensitivity;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.prune.Allocation;
import org.vbpstudio.prune.Budget;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Exporter;
import org.vbpstudio.prune.HeadCut;
import org.vbpstudio.prune.HeadRecord;
import org.vbpstudio.prune.HeadSelection;
import org.vbpstudio.prune.HeadSurgery;
import org.vbpstudio.prune.PruneJob;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.PruningReport;
import org.vbpstudio.prune.Replay;
import org.vbpstudio.stats.ActivationStats;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code prune --model M (--calibration I | --stats S) (--ratio R | --plan P.json | --target-macs F | --target-params F | --replay R.json)
 * [--head-ratio R | --global --heads] [--global [--normalize standardize] | --allocate sensitivity [--sensitivity-ratios … | --sensitivity F.json]] [--criterion variance|magnitude|random|wifv|wanda|taylor] [--seed N] [--compensation none|mean|refit [--ridge λ]] [--round-to K] [--limit N]
 * --output DIR [--force]}: writes DIR/model.safetensors, config.json, labels.txt,
 * plan.json and report.json, and prints widths, MACs and parameters before → after.
 *
 * <p>Options given with {@code --plan} override the plan file's criterion, seed, compensation and
 * round_to. Statistics are needed by the variance criterion and by compensation; magnitude or
 * random pruning with {@code --compensation none} runs without them. {@code --replay} redoes an
 * export from its report.json and the same model ({@link Replay}): no statistics, the same bytes.
 */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Prune the MLP hidden neurons (and with --head-ratio or --heads the attention heads) of a ViT"
                + " (Variance-Based Pruning) and export the smaller model.",
                "Writes DIR/model.safetensors, config.json, labels.txt, plan.json and report.json."})
final class PruneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions options;

    static final class Amount {
        @Option(names = "--ratio", required = true, paramLabel = "R",
                description = "Fraction of MLP neurons to remove, in [0, 1): in every block, or over all blocks with --global.")
        Double ratio;

        @Option(names = "--plan", required = true, paramLabel = "P.json",
                description = "A pruning plan (JSON, as written to plan.json).")
        Path plan;

        @Option(names = "--target-macs", required = true, paramLabel = "F",
                description = "Keep at most this fraction of the MACs, in (0, 1): the largest model within it (0.5 %% tolerance below).")
        Double targetMacs;

        @Option(names = "--target-params", required = true, paramLabel = "F",
                description = "Keep at most this fraction of the parameters, in (0, 1).")
        Double targetParams;

        @Option(names = "--replay", required = true, paramLabel = "R.json",
                description = "Redo an export from its report.json (the kept neurons and means it records) on the"
                        + " model it was pruned from, without statistics: the same model.safetensors, byte for byte.")
        Path replay;
    }

    /** The options a replay takes; every other one would change what the report recorded. */
    private static final Set<String> REPLAY_OPTIONS = Set.of("--replay", "--model", "--batch", "--output", "--force",
            "--onnx");

    @Mixin
    StatsOptions statistics;

    @Mixin
    PlanOverrides overrides;

    @Mixin
    AllocationOptions allocation;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Amount amount;

    @Option(names = "--global", description = "With --ratio: remove the lowest-scoring neurons across all blocks at once.")
    boolean global;

    @Option(names = "--head-ratio", paramLabel = "R",
            description = "Also remove this fraction of the attention heads of every block, in [0, 1): round(R × heads),"
                    + " lowest score first, one kept (ViT, DeiT, DeiT III). --ratio 0 prunes heads only.")
    Double headRatio;

    @Option(names = "--heads", description = "With --global: rank the attention heads together with the MLP neurons,"
            + " by score per MAC saved (--ratio R: that fraction of the MACs of all neurons and heads; or --target-macs F).")
    boolean heads;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "With --calibration: only N images, spread evenly over them.")
    int limit;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Directory to write the pruned model to.")
    Path output;

    @Option(names = "--force", description = "Replace DIR if it holds a previous export (and nothing else).")
    boolean force;

    @Option(names = "--onnx", description = "Also write DIR/model.onnx (opset 17; see the onnx command).")
    boolean onnx;

    @Override
    public Integer call() throws IOException {
        long t0 = System.nanoTime();
        Exporter.checkTarget(target(null)); // before any long computation
        if (amount.replay != null) {
            return replay();
        }
        ModelOptions.checkLimit(limit);
        if (limit > 0 && statistics.calibration() == null) {
            throw new BadInputException("--limit applies to --calibration images only");
        }
        allocation.check(global, statistics.calibration(), spec.commandLine().getParseResult());
        if (allocation.on()) {
            budget();
        }
        LoadedModel model = options.load();
        PruningPlan plan = plan(model.config().depth());
        if (allocation.on() && plan.prunesHeads()) {
            throw new BadInputException("--allocate chooses the MLP ratios only; prune heads with --global --heads, or"
                    + " with --head-ratio and a per-block target");
        }
        if (plan.prunesHeads()) {
            try {
                HeadSelection.heads(model.config()); // before any statistics are collected
            } catch (IllegalArgumentException e) {
                throw new BadInputException(options.model, e.getMessage());
            }
            if (plan.heads() instanceof HeadCut.Removed) {
                try {
                    HeadSelection.removed(plan, HeadSelection.heads(model.config()), null);
                } catch (IllegalArgumentException e) {
                    throw amount.plan != null ? new BadInputException(amount.plan, e.getMessage())
                            : new BadInputException(e.getMessage());
                }
            }
        }
        Sensitivity.Curves saved = allocation.saved(model, plan); // before collecting any statistics
        PrintWriter err = spec.commandLine().getErr();

        ActivationStats stats = null;
        if (statistics.file() != null || statistics.given() && plan.needsStatistics()) {
            stats = statistics.load(model, StatsOptions.Taylor.neededBy(plan.criterion()),
                    plan.compensation() == Compensation.REFIT, limit, options.batch, err);
        } else if (statistics.given() && (!allocation.on() || saved != null)) {
            err.println("note: " + plan.criterion() + " pruning without compensation needs no statistics;"
                    + " --calibration ignored");
        } else if (plan.needsStatistics()) {
            throw new BadInputException(Pruner.missingStatistics(plan) + ": give --calibration I or --stats S"
                    + (plan.criterion().needsStatistics() ? "" : ", or --compensation none"));
        }

        double[][] headScores = headScores(model, stats, plan);
        Budget budget = budget();
        Allocation.Source source = null;
        if (allocation.on()) {
            AllocationOptions.Allocated a = allocation.allocate(model, stats, plan, budget, saved,
                    statistics.calibration(), limit, err);
            plan = a.plan();
            source = a.source();
        } else if (budget != null) {
            try {
                plan = budget.fit(plan, Pruner.scores(model, stats, plan), headScores, model.config());
            } catch (IllegalArgumentException e) {
                throw new BadInputException(e.getMessage());
            }
        }
        PruningReport report = PruneJob.of(model, stats, plan).target(budget).allocation(source).since(t0)
                .export(target(model.directory()), onnx).report();

        report.describe(model.name(), output).forEach(spec.commandLine().getOut()::println);
        return VbpCommand.OK;
    }

    /** Redoes the export {@code --replay} recorded. */
    private Integer replay() {
        for (var option : spec.commandLine().getParseResult().matchedOptions()) {
            if (!REPLAY_OPTIONS.contains(option.longestName())) {
                throw new BadInputException("--replay redoes what " + amount.replay + " recorded; "
                        + option.longestName() + " would change it (a replay takes --model, --output, --force, --onnx)");
            }
        }
        PruningReport report = Replay.read(amount.replay);
        LoadedModel model = options.load();
        Replay.export(model, report, amount.replay, target(model.directory()), onnx);
        List<String> lines = report.describe(model.name(), output);
        lines.set(0, "replayed " + amount.replay + " on " + model.name() + " → " + output);
        lines.forEach(spec.commandLine().getOut()::println);
        return VbpCommand.OK;
    }

    /** The --target-macs / --target-params budget, or null. */
    private Budget budget() {
        if (allocation.on() && (amount.targetMacs == null && amount.targetParams == null)) {
            throw new BadInputException("--allocate needs a budget: --target-macs F or --target-params F");
        }
        Double f = amount.targetMacs != null ? amount.targetMacs : amount.targetParams;
        if (f == null) {
            return null;
        }
        String option = amount.targetMacs != null ? "--target-macs" : "--target-params";
        if (!(f > 0 && f < 1)) {
            throw new BadInputException(option + " " + f + " is outside (0, 1): the fraction of the original kept");
        }
        return amount.targetMacs != null ? Budget.macs(f) : Budget.params(f);
    }

    /** The output and every input it must never replace: the model (also as loaded), images, statistics, plan. */
    private OutputTarget target(Path modelDirectory) {
        return OutputTarget.of(output, force, options.model, modelDirectory,
                statistics.calibration(), statistics.file(),
                amount.plan, allocation.sensitivityFile, amount.replay);
    }

    /** {@code plan} with the heads --head-ratio or --heads name (a --plan file's own otherwise). */
    private PruningPlan withHeads(PruningPlan plan) {
        HeadCut cut = SweepHeadOptions.cut(headRatio, heads, plan.mode() == PruningPlan.Mode.GLOBAL);
        if (cut == null) {
            return plan;
        }
        try {
            return plan.withHeads(cut);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        }
    }

    /**
     * The plan's head scores (null: it needs none), after checking that the model can lose heads, that
     * an explicit list fits it and that the statistics hold the attention outputs'.
     */
    private double[][] headScores(LoadedModel model, ActivationStats stats, PruningPlan plan) {
        if (!plan.prunesHeads()) {
            return null;
        }
        try {
            HeadSelection.heads(model.config());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(options.model, e.getMessage());
        }
        if (Pruner.needsAttention(plan) && (stats == null || !stats.hasAttention())) {
            throw statistics.file() != null ? new BadInputException(statistics.file(), HeadRecord.MISSING_ATTENTION)
                    : new BadInputException("the " + plan.criterion() + " statistics hold no attention outputs',"
                            + " which pruning heads needs: use another criterion for heads, or --stats from stats");
        }
        if (plan.compensation() == Compensation.REFIT && !HeadSurgery.canRefit(stats) && statistics.file() != null) {
            throw new BadInputException(statistics.file(), "holds no second moments of the attention outputs: "
                    + HeadSurgery.REFIT_NEEDS_MOMENTS);
        }
        try {
            return Pruner.headScores(model, stats, plan);
        } catch (IllegalArgumentException e) {
            throw amount.plan != null ? new BadInputException(amount.plan, e.getMessage()) : new BadInputException(e.getMessage());
        }
    }

    /** The plan from --ratio/--global or --plan, with the command line's overrides, checked against the model. */
    private PruningPlan plan(int depth) {
        PruningPlan plan;
        if (amount.ratio != null || budget() != null) {
            double r = amount.ratio != null ? amount.ratio : 0; // a budget fits the ratio later
            if (!(r >= 0 && r < 1)) {
                throw new BadInputException("--ratio " + r + " is outside [0, 1)");
            }
            plan = global ? PruningPlan.global(r) : PruningPlan.uniform(r, depth);
        } else {
            if (global) {
                throw new BadInputException("--global applies to --ratio and targets; " + amount.plan + " sets its own mode");
            }
            plan = PruningPlan.read(amount.plan);
        }
        plan = withHeads(plan);
        plan = overrides.applyTo(plan);
        try {
            plan.validate(depth);
        } catch (IllegalArgumentException e) {
            throw amount.plan != null ? new BadInputException(amount.plan, e.getMessage()) : new BadInputException(e.getMessage());
        }
        return plan;
    }
}
