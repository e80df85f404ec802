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
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.HeadCut;
import org.vbpstudio.prune.HeadScores;
import org.vbpstudio.prune.HeadSelection;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
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

    /**
     * One measured configuration.
     *
     * @param heads the attention heads the pruned model keeps, over all blocks (0 for a family without heads)
     */
    public record Point(Series series, double ratio, long macs, long params, int heads, Scores scores) {
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

        /**
         * As above, block b also losing heads {@code removedHeads[b]} (their outputs → their means, or 0
         * without compensation). Scorers that keep every head refuse a choice removing any.
         */
        default Scores of(int[][] kept, int[][] removedHeads, boolean compensation) {
            if (removedHeads != null && Arrays.stream(removedHeads).anyMatch(r -> r != null && r.length > 0)) {
                throw new UnsupportedOperationException("this scorer keeps every attention head");
            }
            return of(kept, compensation);
        }
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
        return run(model, stats, accuracy, mode, normalize, null, ratios, onPoint, progress);
    }

    /**
     * As above, every point also removing the heads {@code heads} says (null: none): a ratio per block,
     * or, in global mode, {@link HeadCut.Joint} (each ratio then a fraction of the MACs of all neurons
     * and heads, as {@link HeadSelection} ranks them). Only the series whose criterion scores heads
     * ({@link #scoresHeads}) are measured with heads.
     */
    public static List<Point> run(LoadedModel model, ActivationStats stats, MaskedAccuracy accuracy,
            PruningPlan.Mode mode, PruningPlan.Normalize normalize, HeadCut heads, double[] ratios,
            Consumer<Point> onPoint, Progress progress) {
        ModelConfig cfg = model.config();
        Map<Criterion, double[][]> scores = new EnumMap<>(Criterion.class);
        Map<Criterion, double[][]> headScores = new EnumMap<>(Criterion.class);
        List<Point> points = new ArrayList<>();
        long t0 = System.nanoTime();
        List<Series> series = available(stats).stream().filter(s -> heads == null || scoresHeads(s.criterion()))
                .toList();
        int total = series.size() * ratios.length;
        for (Series s : series) {
            for (double r : ratios) {
                progress.checkCancelled();
                PruningPlan plan = plan(mode, r, cfg.depth()).withCriterion(s.criterion())
                        .withCompensation(Compensation.meanIf(s.compensation())).withNormalize(normalize)
                        .withHeads(heads);
                double[][] sc = scores.computeIfAbsent(s.criterion(), c -> Pruner.scores(model, stats, plan));
                double[][] hs = heads == null ? null
                        : headScores.computeIfAbsent(s.criterion(), c -> Pruner.headScores(model, stats, plan));
                HeadSelection.Choice choice = HeadSelection.select(plan, cfg, sc, hs);
                ModelConfig pruned = HeadSelection.prunedConfig(cfg, choice);
                Scores acc = accuracy.of(choice.keptNeurons(), choice.removedHeads(), s.compensation());
                Point p = new Point(s, r, CostModel.totalMacs(pruned), CostModel.totalParams(pruned), heads(pruned),
                        acc);
                points.add(p);
                onPoint.accept(p);
                double seconds = Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
                progress.update(points.size(), total, points.size() / seconds);
            }
        }
        return points;
    }

    /** Whether heads have a score under {@code c} ({@link HeadScores}): all but wanda (an MLP input's norm). */
    public static boolean scoresHeads(Criterion c) {
        return c != Criterion.WANDA;
    }

    /** The heads a model of config {@code c} has over all blocks (0 for a family without). */
    public static int heads(ModelConfig c) {
        return c.hasAttentionHeads() ? Arrays.stream(c.blockHeads()).sum() : 0;
    }

    /** The series these statistics can measure: taylor's only when they hold gradients. */
    public static List<Series> available(ActivationStats stats) {
        return Arrays.stream(Series.values())
                .filter(s -> !s.criterion().needsGradients() || stats != null && stats.hasTaylor()).toList();
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
