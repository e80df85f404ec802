package org.vbpstudio.prune;

import java.util.Arrays;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.stats.ActivationStats;

/**
 * Scores ({@link Criterion}) → selection ({@link Selection}) → surgery ({@link Surgery}) → report
 * ({@link PruningReport}). What the command line and the app write goes through {@link PruneJob},
 * which also checks the target first and exports ({@link Exporter}).
 *
 * <p>Statistics: the variance criterion needs them, and so does compensation (the removed neurons'
 * means), whatever the criterion. Magnitude or random pruning without compensation needs none.
 */
public final class Pruner {
    private Pruner() {}

    /** The pruned model, the choice that made it, the scores behind the choice, and the report. */
    public record Result(LoadedModel model, int[][] kept, double[][] scores, PruningReport report) {}

    /**
     * Prunes {@code model} by {@code plan}. The input model is not modified. The report's seconds are
     * those of this call; {@link PruneJob} reports a whole operation (and a budget) instead.
     *
     * @param stats the model's activation statistics; may be null when
     *              {@link PruningPlan#needsStatistics()} is false
     * @throws IllegalArgumentException if the plan does not fit the model's depth, or statistics are
     *                                  missing or of other widths
     */
    public static Result prune(LoadedModel model, ActivationStats stats, PruningPlan plan) {
        return prune(model, stats, plan, null, null, System.nanoTime());
    }

    /**
     * As {@link #prune(LoadedModel, ActivationStats, PruningPlan)}, reporting {@code target} (the
     * budget the plan was fitted to, or null) and the seconds since {@code startedNanos}
     * ({@link System#nanoTime()} when the whole operation began, statistics included).
     */
    static Result prune(LoadedModel model, ActivationStats stats, PruningPlan plan, Budget target,
            Allocation.Source allocation, long startedNanos) {
        double[][] scores = scores(model, stats, plan);
        double[][] headScores = headScores(model, stats, plan);
        HeadSelection.Choice choice = HeadSelection.select(plan, model.config(), scores, headScores);
        int[][] kept = choice.keptNeurons();
        LoadedModel pruned = Surgery.apply(model, kept, stats, plan.compensation(), plan.ridge());
        HeadRecord heads = null;
        if (plan.prunesHeads()) {
            int[][] keptHeads = choice.keptHeads(HeadSelection.heads(model.config()));
            heads = HeadRecord.of(model.config(), keptHeads, stats, plan.compensation());
            HeadSurgery.Result<ModelConfig> r = plan.compensation() == Compensation.REFIT
                    ? HeadSurgery.apply(pruned.config(), pruned.weights(), keptHeads, stats, Compensation.REFIT, plan.ridge())
                    : HeadSurgery.apply(pruned.config(), pruned.weights(), keptHeads, heads.means(model.config()));
            pruned = pruned.with(r.config(), r.weights(), pruned.directory());
        }
        long images = stats != null && plan.needsStatistics() ? stats.images() : 0;
        PruningReport report = PruningReport.of(model.config(), pruned.config(), plan, images,
                (System.nanoTime() - startedNanos) / 1e9, model.fingerprint(), target, allocation,
                SurgeryRecord.of(model.config(), kept, stats, plan.compensation()).withHeads(heads));
        return new Result(pruned, kept, scores, report);
    }

    /** The plan's criterion applied to {@code model}, after checking that plan and statistics fit. */
    public static double[][] scores(LoadedModel model, ActivationStats stats, PruningPlan plan) {
        plan.validate(model.config().depth());
        if (plan.needsStatistics() && stats == null
                || plan.criterion().needsGradients() && stats != null && !stats.hasTaylor()) {
            throw new IllegalArgumentException(missingStatistics(plan));
        }
        if (stats != null && !Arrays.equals(stats.widths(), model.config().mlpHiddenDims())) {
            throw new IllegalArgumentException("statistics of widths " + Arrays.toString(stats.widths())
                    + " do not fit a model of widths " + Arrays.toString(model.config().mlpHiddenDims()));
        }
        return plan.criterion().importance(plan.seed()).scores(model.weights(), model.config(), stats);
    }

    /**
     * The plan's criterion applied to {@code model}'s attention heads ({@link HeadScores}), or null when
     * its heads need no scores (none, or an explicit list).
     *
     * @throws IllegalArgumentException if the family cannot lose heads, the criterion has no head score,
     *                                  or the statistics lack the attention outputs' ({@link HeadRecord#MISSING_ATTENTION})
     */
    public static double[][] headScores(LoadedModel model, ActivationStats stats, PruningPlan plan) {
        if (!plan.prunesHeads()) {
            return null;
        }
        HeadSelection.heads(model.config()); // refuses a family without head pruning
        if (needsAttention(plan) && (stats == null || !stats.hasAttention())) {
            throw new IllegalArgumentException(HeadRecord.MISSING_ATTENTION);
        }
        if (plan.compensation() == Compensation.REFIT && !HeadSurgery.canRefit(stats)) {
            throw new IllegalArgumentException(HeadSurgery.REFIT_NEEDS_MOMENTS);
        }
        if (plan.heads() instanceof HeadCut.Removed) {
            return null;
        }
        return HeadScores.scores(plan.criterion(), model.config(), model.weights(), stats, plan.seed());
    }

    /** Whether the plan's heads need the attention outputs' statistics: for their scores or their compensation. */
    public static boolean needsAttention(PruningPlan plan) {
        return plan.prunesHeads() && (plan.compensation().needsStatistics()
                || !(plan.heads() instanceof HeadCut.Removed) && plan.criterion().needsStatistics());
    }

    /** Why {@code plan} cannot run without statistics, in the user's words. */
    public static String missingStatistics(PruningPlan plan) {
        if (plan.criterion().needsGradients()) {
            return Criterion.MISSING_GRADIENTS;
        }
        return plan.criterion().needsStatistics()
                ? "the " + plan.criterion().jsonName() + " criterion needs activation statistics"
                : "compensation needs activation statistics (the removed neurons' means)";
    }
}
