package org.vbpstudio.cli;

import org.vbpstudio.io.BadInputException;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.PruningPlan;
import picocli.CommandLine.Option;

/**
 * {@code --compensation none|mean|refit} ({@code --no-compensation}: none) and {@code --ridge λ}, the
 * options {@code prune}, {@code sweep} and {@code sensitivity} share.
 */
final class CompensationOptions {
    @Option(names = "--compensation", paramLabel = "HOW",
            description = "What replaces the removed neurons: none, mean (default: their means folded into fc2.bias)"
                    + " or refit (fc2 refitted by least squares; needs statistics from stats --refit).")
    String compensation;

    @Option(names = "--no-compensation", description = "The same as --compensation none.")
    boolean noCompensation;

    @Option(names = "--ridge", paramLabel = "λ",
            description = "With --compensation refit: the ridge λ of the least squares (default 1e-3).")
    Double ridge;

    /** The compensation the options name, or null when they name none. */
    Compensation chosen() {
        Compensation c = null;
        if (compensation != null) {
            try {
                c = Compensation.parse(compensation);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--compensation " + e.getMessage().replace("unknown compensation ", ""));
            }
        }
        if (noCompensation) {
            if (c != null && c != Compensation.NONE) {
                throw new BadInputException("--no-compensation contradicts --compensation " + c);
            }
            c = Compensation.NONE;
        }
        return c;
    }

    /** {@code plan} with the compensation and ridge given (the plan's own when not given). */
    PruningPlan applyTo(PruningPlan plan) {
        Compensation c = chosen();
        PruningPlan p = c == null ? plan : plan.withCompensation(c);
        if (ridge != null) {
            if (p.compensation() != Compensation.REFIT) {
                throw new BadInputException("--ridge " + ridge + " applies to --compensation refit only (this run: "
                        + p.compensation() + ")");
            }
            if (!(ridge >= 0 && Double.isFinite(ridge))) {
                throw new BadInputException("--ridge " + ridge + " must be a finite number ≥ 0");
            }
            p = p.withRidge(ridge);
        }
        return p;
    }
}
