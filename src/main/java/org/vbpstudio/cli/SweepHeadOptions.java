package org.vbpstudio.cli;

import java.nio.file.Path;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.prune.HeadCut;
import org.vbpstudio.prune.HeadMaskHook;
import org.vbpstudio.prune.HeadRecord;
import org.vbpstudio.prune.HeadSelection;
import org.vbpstudio.stats.ActivationStats;
import picocli.CommandLine.Option;

/**
 * {@code sweep}'s head dimension, named as {@code prune}'s: {@code --head-ratio R} (every point also
 * removes round(R × h_b) heads of each block) or {@code --global --heads} (the global series rank heads
 * with the neurons, each swept ratio then a fraction of the MACs of all neurons and heads).
 */
final class SweepHeadOptions {
    @Option(names = "--head-ratio", paramLabel = "R",
            description = "Every point also removes this fraction of the attention heads of every block, in [0, 1):"
                    + " round(R × heads), lowest score first, one kept (ViT, DeiT, DeiT III, Swin; as prune's).")
    Double headRatio;

    @Option(names = "--heads", description = "With --global: rank the attention heads together with the MLP neurons,"
            + " by score per MAC saved; each --ratios value is then the fraction of the MACs of all neurons and heads"
            + " removed (as prune --global --heads --ratio R), and --target-macs fits it.")
    boolean heads;

    @Option(names = "--global", description = "Only the global series (and global targets): no same-ratio-per-block sweep.")
    boolean global;

    /** The heads every point removes (null: none), after checking the options against each other. */
    HeadCut cut() {
        return cut(headRatio, heads, global);
    }

    /**
     * The heads {@code --head-ratio R} or {@code --heads} name (null: none), refusing them against each
     * other and {@code --heads} without {@code --global}: the one check {@code prune} and {@code sweep} share.
     */
    static HeadCut cut(Double headRatio, boolean heads, boolean global) {
        if (headRatio != null && heads) {
            throw new BadInputException("--head-ratio and --heads contradict each other: a ratio per block, or heads"
                    + " ranked with the neurons");
        }
        if (headRatio != null) {
            if (!(headRatio >= 0 && headRatio < 1)) {
                throw new BadInputException("--head-ratio " + headRatio + " is outside [0, 1) (at least one head of"
                        + " every block stays)");
            }
            return new HeadCut.Ratio(headRatio);
        }
        if (heads && !global) {
            throw new BadInputException("--heads ranks heads with the neurons of every block, so it needs --global"
                    + " (per block, give --head-ratio R)");
        }
        return heads ? new HeadCut.Joint() : null;
    }

    /** Refuses a model whose heads the sweep cannot remove, before statistics are collected. */
    static void checkModel(LoadedModel model, Path dir) {
        try {
            HeadSelection.heads(model.config());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(dir, e.getMessage());
        }
        if (!HeadMaskHook.supports(model.config())) {
            throw new BadInputException(dir, "is a " + model.config().family().displayName() + ", whose heads sweep"
                    + " cannot mask");
        }
    }

    /** Refuses statistics without the attention outputs' (heads need their scores and means). */
    static void checkStatistics(ActivationStats stats, Path file) {
        if (!stats.hasAttention()) {
            throw file != null ? new BadInputException(file, HeadRecord.MISSING_ATTENTION)
                    : new BadInputException("the statistics " + HeadRecord.MISSING_ATTENTION);
        }
    }
}
