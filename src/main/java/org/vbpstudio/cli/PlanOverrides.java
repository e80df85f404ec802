package org.vbpstudio.cli;

import org.vbpstudio.io.BadInputException;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.PruningPlan;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How {@code prune} scores and cuts, given on the command line: the criterion, its seed, the
 * compensation, a width granularity and the score normalisation. Each one given overrides what a
 * {@code --plan} file says.
 */
final class PlanOverrides {
    @Option(names = "--criterion", paramLabel = "C",
            description = "Importance criterion: variance (default), magnitude, random, wifv, wanda or taylor (needs labelled calibration images).")
    String criterion;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the random criterion (default 0).")
    Long seed;

    @Mixin
    CompensationOptions compensation;

    @Option(names = "--round-to", paramLabel = "K", description = "Keep every block's width a multiple of K.")
    Integer roundTo;

    @Option(names = "--normalize", paramLabel = "N",
            description = "none (default) or standardize: per-block z-scores before the global ranking (needs --global).")
    String normalize;

    /** {@code plan} with every option given. */
    PruningPlan applyTo(PruningPlan plan) {
        try {
            if (criterion != null) {
                plan = plan.withCriterion(Criterion.parse(criterion));
            }
            if (seed != null) {
                plan = plan.withSeed(seed);
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
        return compensation.applyTo(plan);
    }
}
