package org.vbpstudio.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.vbpstudio.data.Progress;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.prune.Allocation;
import org.vbpstudio.prune.Budget;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.Selection;
import org.vbpstudio.stats.ActivationStats;

/**
 * Accuracy against MACs for a range of pruning ratios under each criterion: the comparison that
 * tells a researcher which criterion and ratio to choose. Every point is a masked model (exactly
 * the pruned model, tested) scored by the caller: the app on its preview slice, the {@code sweep}
 * command on a whole validation set.
 */
public final class CriterionSweep {
    /** Ratios swept by default: 0, 10 %, …, 90 %. */
    public static final double[] RATIOS = {0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};

    /** The compared configurations. */
    public enum Series {
        VARIANCE_COMPENSATED("Variance + compensation", Criterion.VARIANCE, true),
        VARIANCE_PLAIN("Variance, no compensation", Criterion.VARIANCE, false),
        MAGNITUDE("Magnitude + compensation", Criterion.MAGNITUDE, true),
        MAGNITUDE_PLAIN("Magnitude, no compensation", Criterion.MAGNITUDE, false),
        RANDOM("Random + compensation", Criterion.RANDOM, true),
        WIFV_COMPENSATED("WIFV + compensation", Criterion.WIFV, true),
        WIFV_PLAIN("WIFV, no compensation", Criterion.WIFV, false),
        WANDA_COMPENSATED("Wanda + compensation", Criterion.WANDA, true),
        WANDA_PLAIN("Wanda, no compensation", Criterion.WANDA, false),
        TAYLOR_COMPENSATED("Taylor + compensation", Criterion.TAYLOR, true),
        TAYLOR_PLAIN("Taylor, no compensation", Criterion.TAYLOR, false);

        private final String label;
        private final Criterion criterion;
        private final boolean compensation;

        Series(String label, Criterion criterion, boolean compensation) {
            this.label = label;
            this.criterion = criterion;
            this.compensation = compensation;
        }

        public String label() {
            return label;
        }

        public Criterion criterion() {
            return criterion;
        }

        public boolean compensation() {
            return compensation;
        }
    }

    /** One measured configuration. */
    public record Point(Series series, double ratio, long macs, long params, Scores scores) {
        public Accuracy accuracy() {
            return scores.accuracy();
        }

        public double top1() {
            return scores.accuracy().top1();
        }

        /** Top-1 on labelled images, else agreement with the original. */
        public double headline() {
            return scores.headline();
        }
    }

    /** Scores of the model with block b keeping {@code kept[b]} (removed → mean, or 0 without compensation). */
    @FunctionalInterface
    public interface MaskedAccuracy {
        Scores of(int[][] kept, boolean compensation);
    }

    private CriterionSweep() {}

    /**
     * Measures every series at every ratio, in the given mode (the same ratio in every block, or
     * one global ratio), reporting each point as it is done.
     *
     * @param stats the model's statistics (the means every compensated series needs)
     */
    public static List<Point> run(LoadedModel model, ActivationStats stats, MaskedAccuracy accuracy,
            PruningPlan.Mode mode, double[] ratios, Consumer<Point> onPoint, Progress progress) {
        return run(model, stats, accuracy, mode, PruningPlan.Normalize.NONE, ratios, onPoint, progress);
    }

    /** As above, with the scores normalised as {@code normalize} says (global mode only). */
    public static List<Point> run(LoadedModel model, ActivationStats stats, MaskedAccuracy accuracy,
            PruningPlan.Mode mode, PruningPlan.Normalize normalize, double[] ratios, Consumer<Point> onPoint,
            Progress progress) {
        ModelConfig cfg = model.config();
        Map<Criterion, double[][]> scores = new EnumMap<>(Criterion.class);
        List<Point> points = new ArrayList<>();
        long t0 = System.nanoTime();
        List<Series> series = available(stats);
        int total = series.size() * ratios.length;
        for (Series s : series) {
            for (double r : ratios) {
                progress.checkCancelled();
                PruningPlan plan = plan(mode, r, cfg.depth()).withCriterion(s.criterion())
                        .withCompensation(Compensation.meanIf(s.compensation())).withNormalize(normalize);
                double[][] sc = scores.computeIfAbsent(s.criterion(), c -> Pruner.scores(model, stats, plan));
                int[][] kept = Selection.kept(plan, sc);
                ModelConfig pruned = cfg.withMlpHiddenDims(widths(kept));
                Scores acc = accuracy.of(kept, s.compensation());
                Point p = new Point(s, r, CostModel.totalMacs(pruned), CostModel.totalParams(pruned), acc);
                points.add(p);
                onPoint.accept(p);
                double seconds = Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
                progress.update(points.size(), total, points.size() / seconds);
            }
        }
        return points;
    }

    /** The series these statistics can measure: taylor's only when they hold gradients. */
    public static List<Series> available(ActivationStats stats) {
        return Arrays.stream(Series.values())
                .filter(s -> !s.criterion().needsGradients() || stats != null && stats.hasTaylor()).toList();
    }

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

    /** One configuration fitted to a MAC (parameter) budget and measured. */
    public record TargetPoint(Spread spread, Criterion criterion, boolean compensation, Budget budget, PruningPlan plan,
            long macs, long params, Scores scores) {
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
    public static List<TargetPoint> runTargets(LoadedModel model, ActivationStats stats, MaskedAccuracy accuracy,
            List<Budget> budgets, List<Criterion> criteria, boolean compensation,
            Map<Criterion, Allocation.LossCurves> sensitivity, Consumer<TargetPoint> onPoint,
            Progress progress) {
        ModelConfig cfg = model.config();
        List<TargetPoint> points = new ArrayList<>();
        int total = budgets.size() * criteria.size() * Spread.values().length;
        int done = 0;
        long t0 = System.nanoTime();
        for (Budget budget : budgets) {
            for (Criterion c : criteria) {
                PruningPlan uniform = PruningPlan.uniform(0, cfg.depth()).withCriterion(c)
                        .withCompensation(Compensation.meanIf(compensation));
                double[][] sc = Pruner.scores(model, stats, uniform);
                for (Spread spread : Spread.values()) {
                    progress.checkCancelled();
                    done++;
                    PruningPlan plan;
                    try {
                        plan = switch (spread) {
                            case UNIFORM -> budget.fit(uniform, sc, cfg);
                            case GLOBAL -> budget.fit(uniform.withGlobalRatio(0), sc, cfg);
                            case GLOBAL_STANDARDIZED -> budget.fit(uniform.withGlobalRatio(0)
                                    .withNormalize(PruningPlan.Normalize.STANDARDIZE), sc, cfg);
                            case ALLOCATED -> sensitivity == null || !sensitivity.containsKey(c) ? null
                                    : uniform.withRatios(sensitivity.get(c).allocate(cfg, budget, 1));
                        };
                    } catch (IllegalArgumentException unreachable) {
                        plan = null;
                    }
                    if (plan == null) {
                        continue;
                    }
                    int[][] kept = Selection.kept(plan, sc);
                    ModelConfig pruned = cfg.withMlpHiddenDims(widths(kept));
                    TargetPoint p = new TargetPoint(spread, c, compensation, budget, plan, CostModel.totalMacs(pruned),
                            CostModel.totalParams(pruned), accuracy.of(kept, compensation));
                    points.add(p);
                    onPoint.accept(p);
                    progress.update(done, total, done / Math.max(1e-9, (System.nanoTime() - t0) / 1e9));
                }
            }
        }
        return points;
    }

    public static PruningPlan plan(PruningPlan.Mode mode, double ratio, int depth) {
        return mode == PruningPlan.Mode.GLOBAL ? PruningPlan.global(ratio) : PruningPlan.uniform(ratio, depth);
    }

    public static int[] widths(int[][] kept) {
        int[] w = new int[kept.length];
        for (int b = 0; b < kept.length; b++) {
            w[b] = kept[b].length;
        }
        return w;
    }
}
