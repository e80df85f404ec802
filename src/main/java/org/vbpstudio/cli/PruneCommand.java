package org.vbpstudio.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.eval.preview.Sensitivity;
import org.vbpstudio.eval.preview.SensitivityFile;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.prune.Allocation;
import org.vbpstudio.prune.Budget;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.Exporter;
import org.vbpstudio.prune.PruneJob;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.PruningReport;
import org.vbpstudio.stats.ActivationStats;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code prune --model M (--calibration I | --stats S) (--ratio R | --plan P.json | --target-macs F | --target-params F)
 * [--global [--normalize standardize] | --allocate sensitivity [--sensitivity-ratios … | --sensitivity F.json]] [--criterion variance|magnitude|random|wifv|wanda|taylor] [--seed N] [--no-compensation] [--round-to K] [--limit N]
 * --output DIR [--force]}: writes DIR/model.safetensors, config.json, labels.txt,
 * plan.json and report.json, and prints widths, MACs and parameters before → after.
 *
 * <p>Options given with {@code --plan} override the plan file's criterion, seed, compensation and
 * round_to. Statistics are needed by the variance criterion and by compensation; magnitude or
 * random pruning with {@code --no-compensation} runs without them.
 */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Prune the MLP hidden neurons of a ViT (Variance-Based Pruning) and export the smaller model.",
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
    }

    @Mixin
    StatsOptions statistics;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Amount amount;

    @Option(names = "--global", description = "With --ratio: remove the lowest-scoring neurons across all blocks at once.")
    boolean global;

    @Option(names = "--allocate", paramLabel = "HOW",
            description = "With a target: 'sensitivity' chooses each block's ratio from per-block sensitivity curves"
                    + " measured on the --calibration images, or read with --sensitivity (greedy by loss per MAC saved).")
    String allocate;

    @Option(names = "--sensitivity-ratios", split = ",", paramLabel = "R",
            defaultValue = "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,0.95",
            description = "With --allocate: the ratios measured in each block (default: ${DEFAULT-VALUE}).")
    double[] sensitivityRatios;

    @Option(names = "--sensitivity", paramLabel = "F.json",
            description = "With --allocate sensitivity: read the curves from F (as `sensitivity --json F` wrote it for"
                    + " this model, criterion, compensation and round-to) instead of measuring them.")
    Path sensitivityFile;

    @Option(names = "--normalize", paramLabel = "N",
            description = "none (default) or standardize: per-block z-scores before the global ranking (needs --global).")
    String normalize;

    @Option(names = "--criterion", paramLabel = "C",
            description = "Importance criterion: variance (default), magnitude, random, wifv, wanda or taylor (needs labelled calibration images).")
    String criterion;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the random criterion (default 0).")
    Long seed;

    @Option(names = "--no-compensation", description = "Do not fold the removed neurons' means into fc2.bias.")
    boolean noCompensation;

    @Option(names = "--round-to", paramLabel = "K", description = "Keep every block's width a multiple of K.")
    Integer roundTo;

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
        ModelOptions.checkLimit(limit);
        if (limit > 0 && statistics.calibration() == null) {
            throw new BadInputException("--limit applies to --calibration images only");
        }
        if (allocate != null) {
            if (!allocate.equalsIgnoreCase("sensitivity")) {
                throw new BadInputException("--allocate " + allocate + " is unknown (expected sensitivity)");
            }
            if (global) {
                throw new BadInputException("--allocate chooses one ratio per block; it does not combine with --global");
            }
            if (sensitivityFile == null && statistics.calibration() == null) {
                throw new BadInputException("--allocate sensitivity measures on the calibration images: give --calibration I"
                        + " (or --sensitivity F.json, curves saved by the sensitivity command)");
            }
            if (sensitivityFile != null && spec.commandLine().getParseResult().hasMatchedOption("--sensitivity-ratios")) {
                throw new BadInputException("--sensitivity-ratios sets the ratios to measure; " + sensitivityFile
                        + " holds its own: give one or the other");
            }
            budget();
        } else if (sensitivityFile != null) {
            throw new BadInputException("--sensitivity " + sensitivityFile + " applies to --allocate sensitivity only");
        }
        Sensitivity.Curves saved = sensitivityFile != null ? SensitivityFile.read(sensitivityFile) : null;
        LoadedModel model = options.load();
        PruningPlan plan = plan(model.config().depth());
        PrintWriter err = spec.commandLine().getErr();
        if (saved != null) { // before collecting any statistics
            String mismatch = saved.mismatch(model.fingerprint(), model.config().depth(), plan);
            if (mismatch != null) {
                throw new BadInputException(sensitivityFile, mismatch);
            }
        }

        ActivationStats stats = null;
        if (statistics.file() != null || statistics.given() && plan.needsStatistics()) {
            stats = statistics.load(model, StatsOptions.Taylor.neededBy(plan.criterion()), limit, options.batch, err);
        } else if (statistics.given() && (allocate == null || saved != null)) {
            err.println("note: " + plan.criterion() + " pruning without compensation needs no statistics;"
                    + " --calibration ignored");
        } else if (plan.needsStatistics()) {
            throw new BadInputException(Pruner.missingStatistics(plan) + ": give --calibration I or --stats S"
                    + (plan.criterion().needsStatistics() ? "" : ", or --no-compensation"));
        }

        Budget budget = budget();
        Allocation.Source source = null;
        if (allocate != null) {
            Sensitivity.Curves curves = saved;
            if (curves == null) {
                ImageSource images = ClassMapping.relabel(ModelOptions.images(statistics.calibration(), limit), model.labels());
                double[] rs = SensitivityCommand.checkedRatios(sensitivityRatios, "--sensitivity-ratios");
                curves = SensitivityCommand.measure(model, stats, plan, rs, images, err).curves(model.fingerprint());
            }
            source = curves.source(saved == null ? null : sensitivityFile);
            try {
                double[] ratios = curves.lossCurves().allocate(model.config(), budget, Math.max(1, plan.roundTo()));
                plan = new PruningPlan(PruningPlan.Mode.PER_BLOCK, ratios, Double.NaN, plan.criterion(),
                        plan.compensation(), plan.roundTo(), plan.seed());
            } catch (IllegalArgumentException e) {
                throw new BadInputException(e.getMessage());
            }
        } else if (budget != null) {
            try {
                plan = budget.fit(plan, Pruner.scores(model, stats, plan), model.config());
            } catch (IllegalArgumentException e) {
                throw new BadInputException(e.getMessage());
            }
        }
        PruningReport report = PruneJob.of(model, stats, plan).target(budget).allocation(source).since(t0)
                .export(target(model.directory()), onnx).report();

        PrintWriter out = spec.commandLine().getOut();
        out.printf("pruned %s (%s, %s, compensation %s%s) → %s%n", model.name(), plan.criterion(), plan.mode(),
                plan.compensation() ? "on" : "off", plan.roundTo() > 1 ? ", round_to " + plan.roundTo() : "", output);
        report.summaryLines().forEach(line -> out.println("  " + line));
        if (budget != null) {
            out.printf(Locale.ROOT, "  target  %s ≤ %.4f of the original: %.4f%n", budget.kind().jsonName(),
                    budget.fraction(), report.achieved(budget.kind()));
        }
        if (source != null) {
            out.printf("  allocated from sensitivity curves %s (%d images, %s)%n", source.file() == null
                    ? "measured on the calibration images" : "read from " + sensitivityFile, source.images(),
                    source.metric());
        }
        return VbpCommand.OK;
    }

    /** The --target-macs / --target-params budget, or null. */
    private Budget budget() {
        if (allocate != null && (amount.targetMacs == null && amount.targetParams == null)) {
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
                amount.plan, sensitivityFile);
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
        try {
            if (criterion != null) {
                plan = plan.withCriterion(Criterion.parse(criterion));
            }
            if (seed != null) {
                plan = plan.withSeed(seed);
            }
            if (noCompensation) {
                plan = plan.withCompensation(false);
            }
            if (roundTo != null) {
                plan = plan.withRoundTo(roundTo);
            }
            if (normalize != null) {
                PruningPlan.Normalize n = PruningPlan.Normalize.parse(normalize);
                if (n != PruningPlan.Normalize.NONE && plan.mode() != PruningPlan.Mode.GLOBAL) {
                    throw new IllegalArgumentException("--normalize " + n + " needs --global: per-block mode ranks"
                            + " each block on its own, where z-scores change nothing");
                }
                plan = plan.withNormalize(n);
            }
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        }
        try {
            plan.validate(depth);
        } catch (IllegalArgumentException e) {
            throw amount.plan != null ? new BadInputException(amount.plan, e.getMessage()) : new BadInputException(e.getMessage());
        }
        return plan;
    }
}
