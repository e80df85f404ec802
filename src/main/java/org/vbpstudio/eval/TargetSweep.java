package org.vbpstudio.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.vbpstudio.data.Progress;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.prune.Allocation;
import org.vbpstudio.prune.Budget;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.HeadCut;
import org.vbpstudio.prune.HeadSelection;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;

/**
 * The criteria compared at fixed budgets ({@code sweep --target-macs}): each criterion's plan fitted
 * to every budget under every spread (uniform, global, global standardised, allocated from per-block
 * sensitivity) and scored as {@link CriterionSweep}'s points are, through masks.
 */
public final class TargetSweep {
    private TargetSweep() {}

    /** How a budget is spread over the blocks, in the order tables show them. */
    public enum Spread {
        UNIFORM("uniform"),
        GLOBAL("global"),
        GLOBAL_STANDARDIZED("global-standardized"),
        ALLOCATED("allocated");

        private final String label;

        Spread(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** One configuration fitted to a MAC (parameter) budget and measured ({@code heads}: as {@link CriterionSweep.Point}'s). */
    public record TargetPoint(Spread spread, Criterion criterion, boolean compensation, Budget budget, PruningPlan plan,
            long macs, long params, int heads, Scores scores) {
        public double headline() {
            return scores.headline();
        }
    }

    /**
     * Every criterion under every spread at every budget: uniform (one ratio), global, global
     * standardised (each fitted by {@link Budget#fit}) and allocated from {@code sensitivity}
     * (criterion → its curves, measured elsewhere on the calibration images or read from a file;
     * criteria without curves are not allocated). Budgets no spread can meet are skipped for that spread.
     */
    public static List<TargetPoint> runTargets(LoadedModel model, ActivationStats stats, CriterionSweep.MaskedAccuracy accuracy,
            List<Budget> budgets, List<Criterion> criteria, boolean compensation,
            Map<Criterion, Allocation.LossCurves> sensitivity, Consumer<TargetPoint> onPoint,
            Progress progress) {
        return runTargets(model, stats, accuracy, budgets, criteria, compensation, null, sensitivity, onPoint,
                progress);
    }

    /**
     * As above, removing heads too as {@code heads} says (null: none): a ratio in every spread (the
     * neurons' ratio fitted around it; no allocation), or {@link HeadCut.Joint} in the global spreads
     * only (the uniform and allocated spreads then have no point). Criteria without head scores are skipped.
     */
    public static List<TargetPoint> runTargets(LoadedModel model, ActivationStats stats, CriterionSweep.MaskedAccuracy accuracy,
            List<Budget> budgets, List<Criterion> criteria, boolean compensation, HeadCut heads,
            Map<Criterion, Allocation.LossCurves> sensitivity, Consumer<TargetPoint> onPoint,
            Progress progress) {
        ModelConfig cfg = model.config();
        List<TargetPoint> points = new ArrayList<>();
        List<Criterion> measured = criteria.stream().filter(c -> heads == null || CriterionSweep.scoresHeads(c)).toList();
        int total = budgets.size() * measured.size() * Spread.values().length;
        int done = 0;
        long t0 = System.nanoTime();
        for (Budget budget : budgets) {
            for (Criterion c : measured) {
                PruningPlan uniform = PruningPlan.uniform(0, cfg.depth()).withCriterion(c)
                        .withCompensation(Compensation.meanIf(compensation));
                double[][] sc = Pruner.scores(model, stats, uniform);
                double[][] hs = heads == null ? null : Pruner.headScores(model, stats, uniform.withHeads(heads));
                PruningPlan global = uniform.withGlobalRatio(0).withHeads(heads);
                boolean joint = heads instanceof HeadCut.Joint;
                for (Spread spread : Spread.values()) {
                    progress.checkCancelled();
                    done++;
                    PruningPlan plan;
                    try {
                        plan = switch (spread) {
                            case UNIFORM -> joint ? null : budget.fit(uniform.withHeads(heads), sc, hs, cfg);
                            case GLOBAL -> budget.fit(global, sc, hs, cfg);
                            case GLOBAL_STANDARDIZED -> budget.fit(global
                                    .withNormalize(PruningPlan.Normalize.STANDARDIZE), sc, hs, cfg);
                            case ALLOCATED -> heads != null || sensitivity == null || !sensitivity.containsKey(c)
                                    ? null : uniform.withRatios(sensitivity.get(c).allocate(cfg, budget, 1));
                        };
                    } catch (IllegalArgumentException unreachable) {
                        plan = null;
                    }
                    if (plan == null) {
                        continue;
                    }
                    HeadSelection.Choice choice = HeadSelection.select(plan, cfg, sc, hs);
                    ModelConfig pruned = HeadSelection.prunedConfig(cfg, choice);
                    TargetPoint p = new TargetPoint(spread, c, compensation, budget, plan, CostModel.totalMacs(pruned),
                            CostModel.totalParams(pruned), CriterionSweep.heads(pruned),
                            accuracy.of(choice.keptNeurons(), choice.removedHeads(), compensation));
                    points.add(p);
                    onPoint.accept(p);
                    progress.update(done, total, done / Math.max(1e-9, (System.nanoTime() - t0) / 1e9));
                }
            }
        }
        return points;
    }
}
