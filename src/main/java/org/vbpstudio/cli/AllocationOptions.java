package org.vbpstudio.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.eval.preview.Sensitivity;
import org.vbpstudio.eval.preview.SensitivityFile;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.prune.Allocation;
import org.vbpstudio.prune.Budget;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * {@code prune}'s {@code --allocate sensitivity [--sensitivity-ratios … | --sensitivity F.json]}: one
 * ratio per block, chosen for a budget from per-block sensitivity curves measured on the calibration
 * images or read from a file.
 */
final class AllocationOptions {
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

    /** The plan allocated and where its curves came from. */
    record Allocated(PruningPlan plan, Allocation.Source source) {}

    boolean on() {
        return allocate != null;
    }

    /** Checks the options against each other, before anything is loaded. */
    void check(boolean global, Path calibration, ParseResult parsed) {
        if (allocate == null) {
            if (sensitivityFile != null) {
                throw new BadInputException("--sensitivity " + sensitivityFile + " applies to --allocate sensitivity only");
            }
            return;
        }
        if (!allocate.equalsIgnoreCase("sensitivity")) {
            throw new BadInputException("--allocate " + allocate + " is unknown (expected sensitivity)");
        }
        if (global) {
            throw new BadInputException("--allocate chooses one ratio per block; it does not combine with --global");
        }
        if (sensitivityFile == null && calibration == null) {
            throw new BadInputException("--allocate sensitivity measures on the calibration images: give --calibration I"
                    + " (or --sensitivity F.json, curves saved by the sensitivity command)");
        }
        if (sensitivityFile != null && parsed.hasMatchedOption("--sensitivity-ratios")) {
            throw new BadInputException("--sensitivity-ratios sets the ratios to measure; " + sensitivityFile
                    + " holds its own: give one or the other");
        }
    }

    /** The curves of {@code --sensitivity}, checked against the model and plan; null without the option. */
    Sensitivity.Curves saved(LoadedModel model, PruningPlan plan) {
        if (sensitivityFile == null) {
            return null;
        }
        Sensitivity.Curves saved = SensitivityFile.read(sensitivityFile);
        String mismatch = saved.mismatch(model.fingerprint(), model.config().depth(), plan);
        if (mismatch != null) {
            throw new BadInputException(sensitivityFile, mismatch);
        }
        return saved;
    }

    /** {@code plan} with the ratios allocated for {@code budget}, measuring the curves unless {@code saved}. */
    Allocated allocate(LoadedModel model, ActivationStats stats, PruningPlan plan, Budget budget,
            Sensitivity.Curves saved, Path calibration, int limit, PrintWriter err) {
        Sensitivity.Curves curves = saved;
        if (curves == null) {
            ImageSource images = ClassMapping.relabel(ModelOptions.images(calibration, limit), model.labels());
            double[] rs = SensitivityCommand.checkedRatios(sensitivityRatios, "--sensitivity-ratios");
            curves = SensitivityCommand.measure(model, stats, plan, rs, images, err).curves(model.fingerprint());
        }
        try {
            double[] ratios = curves.lossCurves().allocate(model.config(), budget, Math.max(1, plan.roundTo()));
            return new Allocated(plan.withRatios(ratios), curves.source(saved == null ? null : sensitivityFile));
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        }
    }
}
